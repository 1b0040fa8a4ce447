"""GMBot on one machine: the four services (and the sandbox when no bot token is given) as
separate processes, wired together. `make run` starts it; the end-to-end tests use it too."""
