-- What the service sends to PostgreSQL to file one case, statement for statement, as plain
-- SQL for pgbench (run with -M prepared, as the service prepares its statements):
--   1. one statement taking the Idempotency-Key's advisory lock, looking the key up, and
--      finding or creating the company record (an existing one is returned unchanged), which
--      also takes the next reference number of the fiscal year;
--   2. one statement writing the case, its search key, its two events (created, routed), their webhook
--      outbox rows (an INSERT ... SELECT over the matching subscriptions; none here, as in the
--      service's run) and the idempotency record with the stored answer.
-- (The JSON literals have a space after each colon: pgbench would read `:false` as a variable.
-- The case finds its company by key, where the service passes the id the upsert returned:
-- pgbench cannot quote a UUID it substitutes under -M simple.)
-- The rule-set version is read at most once a second per instance, and the token's client at
-- most every few seconds, so neither is here.
\set n random(1, 2000000000)
\set company random(1, 500)
BEGIN;
WITH opening AS (
  INSERT INTO companies (id, corporate_number, name, name_key, prefecture, industry, employees, capital_jpy, version, created_at, updated_at)
    VALUES (gen_random_uuid(), NULL, '負荷試験株式会社' || :company::text, 'pgbench' || :company::text, '13', 'E', 45, 10000000, 1, now(), now())
    ON CONFLICT (name_key, prefecture) WHERE corporate_number IS NULL DO UPDATE
    SET updated_at = companies.updated_at
    RETURNING *, nextval(to_regclass('ticket_reference_fy9000')) AS n)
SELECT pg_try_advisory_xact_lock(:n) AS locked, stored.client_id AS k_client_id, stored.key AS k_key,
       stored.fingerprint AS k_fingerprint, stored.state AS k_state, stored.response_status AS k_response_status,
       stored.response_body AS k_response_body, stored.location AS k_location, stored.created_at AS k_created_at,
       opening.n AS sequence
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN idempotency_keys AS stored ON stored.client_id = 'pgbench' AND stored.key = 'k' || :n::text || '-' || :client_id::text
  LEFT JOIN opening ON true \gset
WITH ids AS (SELECT gen_random_uuid() AS ticket_id, gen_random_uuid() AS created_id, gen_random_uuid() AS routed_id),
write_0 AS (
  INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, company_name,
                       company_corporate_number, prefecture, industry, company_employees, company_capital_jpy,
                       contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode,
                       status, held_from, track, routing, manager_id, waiting_since, assigned_at,
                       first_contact_due, assignment_due, first_contact_at, first_contact_met, first_assigned_at,
                       assignment_met, on_hold_since, paused_business_days, business_days_to_assign, received_on,
                       version, created_at, updated_at)
  SELECT ticket_id, 'PGB-' || :n::text || '-' || :client_id::text, 9000, :sequence::bigint, 'partner', NULL, (SELECT id FROM companies WHERE corporate_number IS NULL AND name_key = 'pgbench' || :company::text AND prefecture = '13'),
         '負荷試験株式会社' || :company::text, NULL, '13', 'E', 45, 10000000,
         '試験 太郎', 'load@example.jp', NULL, '在宅勤務の労働時間管理について',
         '中抜け時間の扱いと就業規則の改定方法を知りたい。', '["labor.working_hours"]', 'either',
         'triaged', NULL, 'labor',
         '{"track": "labor","confidence": 0.999,"cross_track": false,"method": "rules","explanation": [{"kind": "phrase","matched": "労働時間","track": "labor","weight": 3.0},{"kind": "topic","matched": "labor.working_hours","track": "labor","weight": 1.0}],"rule_set_version": 1}',
         NULL, NULL, NULL, current_date + 2, current_date + 5, NULL, NULL, NULL, NULL, NULL, 0, NULL, current_date,
         1, now(), now()
  FROM ids),
write_search AS (
  INSERT INTO ticket_search (ticket_id, search_text)
  SELECT ticket_id, '在宅勤務の労働時間管理について' || E'\n' || '中抜け時間の扱いと就業規則の改定方法を知りたい。'
         || E'\n' || '負荷試験株式会社' || :company::text || E'\npgb-' || :n::text || '-' || :client_id::text
  FROM ids),
write_1 AS (
  INSERT INTO events (id, ticket_id, event_type, actor, actor_role, data, created_at, feed_seq)
  SELECT created_id, ticket_id, 'ticket.created', 'pgbench', 'partner',
         '{"reference": "PGB","channel": "partner","status": "triaged"}', now(), NULL::bigint FROM ids
  UNION ALL
  SELECT routed_id, ticket_id, 'ticket.routed', 'pgbench', 'partner',
         '{"track": "labor","method": "rules","confidence": 0.999,"cross_track": false,"rule_set_version": 1,"reason": null}',
         now(), NULL::bigint FROM ids),
write_2 AS (
  INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, status, attempt_count, next_attempt_at, created_at, updated_at)
  SELECT s.id, ids.created_id, 'ticket.created', 'pending', 0, now(), now(), now()
    FROM webhook_subscriptions AS s, ids
   WHERE s.active AND (s.event_types = '' OR s.event_types LIKE '%,ticket.created,%') AND s.partner_id IS NULL
  UNION ALL
  SELECT s.id, ids.routed_id, 'ticket.routed', 'pending', 0, now(), now(), now()
    FROM webhook_subscriptions AS s, ids
   WHERE s.active AND (s.event_types = '' OR s.event_types LIKE '%,ticket.routed,%') AND s.partner_id IS NULL)
INSERT INTO idempotency_keys (client_id, key, fingerprint, state, response_status, response_body, location, created_at)
  VALUES ('pgbench', 'k' || :n::text || '-' || :client_id::text, '636c1f4efc996fd46d5c3e1ce86cac85c6a40037fcf7994c07e5fa525a9808c9',
          'done', 201, repeat('x', 1500), '/v1/tickets/x', now())
  ON CONFLICT (client_id, key) DO UPDATE
  SET fingerprint = excluded.fingerprint, state = excluded.state, response_status = excluded.response_status,
      response_body = excluded.response_body, location = excluded.location, created_at = excluded.created_at
  WHERE idempotency_keys.created_at < now() - interval '24 hours' OR idempotency_keys.state <> 'done'
  RETURNING client_id;
COMMIT;
