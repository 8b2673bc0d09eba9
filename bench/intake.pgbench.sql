-- The transactions the service runs to file one case, as plain SQL for pgbench: claim the
-- idempotency key (its own commit, without waiting for fsync), then update the company
-- (inserting it only when it is new), take the next reference from the fiscal year's sequence, insert the case and its two events (created, routed), and
-- enqueue webhook deliveries, and complete the idempotency record. (The rule-set version is
-- read at most once a second per instance, so it is left out.)
\set n random(1, 2000000000)
\set company random(1, 500)
BEGIN;
SET LOCAL synchronous_commit = off;
INSERT INTO idempotency_keys (client_id, key, fingerprint, state, created_at)
  VALUES ('pgbench', 'k' || :n || '-' || :client_id, 'f', 'in_flight', now()) ON CONFLICT DO NOTHING;
COMMIT;
BEGIN;
WITH updated AS (
  UPDATE companies SET updated_at = now(), industry = 'E', employees = 45, capital_jpy = 10000000
  WHERE corporate_number IS NULL AND name_key = 'pgbench' || :company AND prefecture = '13' RETURNING *)
SELECT count(*) AS found FROM updated \gset
\if :found = 0
INSERT INTO companies (id, corporate_number, name, name_key, prefecture, industry, employees, capital_jpy, created_at, updated_at)
  VALUES (gen_random_uuid(), NULL, 'pgbench' || :company, 'pgbench' || :company, '13', 'E', 45, 10000000, now(), now())
  ON CONFLICT DO NOTHING;
\endif
SELECT nextval(to_regclass('ticket_reference_fy9000'));
INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, prefecture, industry,
                     contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode,
                     status, held_from, track, routing, manager_id, version, created_at, updated_at)
  SELECT gen_random_uuid(), 'PGB-' || :n || '-' || :client_id, 9000, :n, 'partner', NULL, id, '13', 'E',
         '試験 太郎', 'load@example.jp', NULL, '在宅勤務の労働時間管理について', '中抜け時間の扱いを知りたい。',
         '["labor.working_hours"]', 'either', 'triaged', NULL, 'labor', '{"track":"labor"}', NULL, 1, now(), now()
  FROM companies WHERE corporate_number IS NULL AND name_key = 'pgbench' || :company AND prefecture = '13';
INSERT INTO events (id, ticket_id, event_type, actor, actor_role, data, created_at)
  VALUES (gen_random_uuid(), NULL, 'ticket.created', 'pgbench', 'partner', '{}', now()),
         (gen_random_uuid(), NULL, 'ticket.routed', 'pgbench', 'partner', '{}', now());
-- The webhook outbox: one INSERT ... SELECT over the active subscriptions (none here, as in
-- the service's run).
INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, status, attempt_count, next_attempt_at, created_at, updated_at)
  SELECT s.id, gen_random_uuid(), 'ticket.created', 'pending', 0, now(), now(), now()
  FROM webhook_subscriptions s WHERE s.active AND s.partner_id IS NULL;
UPDATE idempotency_keys SET state = 'done', response_status = 201, response_body = '{}'
  WHERE client_id = 'pgbench' AND key = 'k' || :n || '-' || :client_id;
COMMIT;
