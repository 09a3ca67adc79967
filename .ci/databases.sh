#!/usr/bin/env bash
# Starts PostgreSQL and MariaDB when they are installed but not answering, then waits for both.
set -u
pg_up() { (echo > /dev/tcp/127.0.0.1/5432) >/dev/null 2>&1; }
my_up() { (echo > /dev/tcp/127.0.0.1/3306) >/dev/null 2>&1; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi
if ! my_up && [ -x /usr/sbin/mariadbd ]; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 60); do
  if pg_up && my_up; then echo "databases: PostgreSQL and MariaDB answer"; exit 0; fi
  sleep 1
done
pg_up || echo "WARNING: PostgreSQL does not answer on 127.0.0.1:5432"
my_up || echo "WARNING: MariaDB does not answer on 127.0.0.1:3306"
exit 0
