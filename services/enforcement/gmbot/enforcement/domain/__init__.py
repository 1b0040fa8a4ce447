"""The domain: what enforcement decides and does, over the ports (domain/ports.py) that the
outer layers implement."""
