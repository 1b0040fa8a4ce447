"""Inbound: the gRPC servicer, translating protobuf to the domain's use cases and back."""
