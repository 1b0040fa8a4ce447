"""What the gateway knows of groups and actions, as plain frozen values: the flows, the routers
and the Mini App read these, never the wire format (clients/ maps the messages to and from
them)."""
