-- One database per service (DESIGN.md §2); each service migrates its own.
CREATE DATABASE identity;
CREATE DATABASE inventory;
CREATE DATABASE procurement;
CREATE DATABASE sales;
CREATE DATABASE finance;
CREATE DATABASE crm;
CREATE DATABASE supplier;
CREATE DATABASE reporting;
