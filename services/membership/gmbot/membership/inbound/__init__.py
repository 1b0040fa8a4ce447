"""The gRPC side of membership: the servicer translates protobuf to the domain and back."""
