-- Run once by the postgres image on an empty volume (docker-compose.yml mounts it into
-- /docker-entrypoint-initdb.d). Same role and databases as deploy/local/postgres.sh creates.
CREATE ROLE anju LOGIN CREATEDB PASSWORD 'anju';
CREATE DATABASE anju_jobs OWNER anju;
CREATE DATABASE anju_workers OWNER anju;
CREATE DATABASE anju_matching OWNER anju;
CREATE DATABASE anju_notifications OWNER anju;
CREATE DATABASE anju_gateway OWNER anju;
