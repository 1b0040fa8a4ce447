-- Every service owns its data: one database each, on the same server.
CREATE DATABASE tenancy OWNER gmbot;
CREATE DATABASE enforcement OWNER gmbot;
