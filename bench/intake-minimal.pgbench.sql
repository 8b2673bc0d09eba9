-- The issue's literal reference transaction: insert a case, its event and an idempotency
-- row, nothing else (no company upsert, no reference, no routing read).
\set n random(1, 2000000000)
BEGIN;
INSERT INTO tickets (id, reference, fiscal_year, sequence, channel, partner_id, company_id, prefecture, industry,
                     contact_name, contact_email, contact_phone, subject, description, topics, preferred_mode,
                     status, held_from, track, routing, manager_id, version, created_at, updated_at)
  VALUES (gen_random_uuid(), 'MIN-' || :n || '-' || :client_id, 9002, :n, 'partner', NULL,
          (SELECT id FROM companies LIMIT 1), '13', 'E', '試験 太郎', 'load@example.jp', NULL,
          '在宅勤務の労働時間管理について', '中抜け時間の扱いを知りたい。', '["labor.working_hours"]', 'either',
          'triaged', NULL, 'labor', '{"track":"labor"}', NULL, 1, now(), now());
INSERT INTO events (id, ticket_id, event_type, actor, actor_role, data, created_at)
  VALUES (gen_random_uuid(), NULL, 'ticket.created', 'pgbench', 'partner', '{}', now());
INSERT INTO idempotency_keys (client_id, key, fingerprint, state, response_status, response_body, created_at)
  VALUES ('pgbench-min', 'k' || :n || '-' || :client_id, 'f', 'done', 201, '{}', now());
COMMIT;
