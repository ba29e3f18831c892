-- Loket baseline schema, as it first shipped. Safe to run again: every statement is IF NOT EXISTS.
-- Never edit a table here: every later change is a named migration in loket/migrations.py.
-- Instants are UTC ISO-8601 strings ending in "Z"; business dates (issued_on) are the MPP's local date.

CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS agencies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    color TEXT NOT NULL DEFAULT '#1f6feb',
    zone TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    maklumat TEXT NOT NULL DEFAULT '',
    maklumat_signer TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS services (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix TEXT NOT NULL CHECK (length(prefix) BETWEEN 1 AND 8),
    padding INTEGER NOT NULL DEFAULT 3 CHECK (padding BETWEEN 1 AND 6),
    daily_quota INTEGER CHECK (daily_quota IS NULL OR daily_quota >= 0),
    cutoff_minutes INTEGER NOT NULL DEFAULT 30 CHECK (cutoff_minutes >= 0),
    default_service_minutes REAL NOT NULL DEFAULT 5 CHECK (default_service_minutes > 0),
    promised_minutes INTEGER CHECK (promised_minutes IS NULL OR promised_minutes > 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sort_order INTEGER NOT NULL DEFAULT 0,
    -- the published service standard (PermenPANRB 15/2014)
    requirements TEXT NOT NULL DEFAULT '',
    procedure TEXT NOT NULL DEFAULT '',
    completion_time TEXT NOT NULL DEFAULT '',
    fee TEXT NOT NULL DEFAULT '',
    product TEXT NOT NULL DEFAULT '',
    complaint_channel TEXT NOT NULL DEFAULT '',
    sk_number TEXT NOT NULL DEFAULT '',
    UNIQUE (agency_id, code)
);
CREATE INDEX IF NOT EXISTS services_agency ON services (agency_id);

-- Weekly hours: weekday 0 = Monday … 6 = Sunday, "HH:MM", closes may be "24:00".
CREATE TABLE IF NOT EXISTS service_hours (
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens TEXT NOT NULL CHECK (opens GLOB '[0-2][0-9]:[0-5][0-9]'),
    closes TEXT NOT NULL CHECK (closes GLOB '[0-2][0-9]:[0-5][0-9]'),
    PRIMARY KEY (service_id, weekday),
    CHECK (closes > opens)
);

-- Breaks when no ticket is issued (the Friday prayer break); agency_id NULL = the whole MPP.
CREATE TABLE IF NOT EXISTS breaks (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER REFERENCES agencies(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT 'Istirahat',
    CHECK (ends > starts)
);

-- Holidays and closed dates; agency_id NULL = the whole MPP.
CREATE TABLE IF NOT EXISTS closed_dates (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    agency_id INTEGER REFERENCES agencies(id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS closed_dates_date ON closed_dates (date);

CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 64),
    full_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'officer')),
    agency_id INTEGER REFERENCES agencies(id),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK (role = 'admin' OR agency_id IS NOT NULL)
);

CREATE TABLE IF NOT EXISTS counters (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 0),
    zone TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('open', 'paused', 'closed')),
    officer_id INTEGER REFERENCES users(id),
    state_changed_at TEXT
);
CREATE INDEX IF NOT EXISTS counters_agency ON counters (agency_id);

CREATE TABLE IF NOT EXISTS counter_services (
    counter_id INTEGER NOT NULL REFERENCES counters(id) ON DELETE CASCADE,
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    PRIMARY KEY (counter_id, service_id)
);
CREATE INDEX IF NOT EXISTS counter_services_service ON counter_services (service_id);

CREATE TABLE IF NOT EXISTS kiosks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL DEFAULT '',
    printer_url TEXT NOT NULL DEFAULT '',
    printer_profile TEXT NOT NULL DEFAULT '',
    qr_mode TEXT NOT NULL DEFAULT 'native' CHECK (qr_mode IN ('native', 'image')),
    agent_key TEXT NOT NULL DEFAULT '',  -- the print agent's secret: it alone receives this kiosk's print jobs
    printer_state TEXT NOT NULL DEFAULT 'unknown',
    printer_error TEXT NOT NULL DEFAULT '',
    last_seen_at TEXT
);

CREATE TABLE IF NOT EXISTS displays (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL DEFAULT '',
    agency_ids TEXT NOT NULL DEFAULT '[]',  -- JSON list; empty = every agency
    zone TEXT NOT NULL DEFAULT '',
    layout TEXT NOT NULL DEFAULT 'landscape',
    running_text TEXT NOT NULL DEFAULT '',
    speak INTEGER NOT NULL DEFAULT 1 CHECK (speak IN (0, 1)),
    repeat_count INTEGER NOT NULL DEFAULT 1 CHECK (repeat_count BETWEEN 1 AND 3),
    voice_mode TEXT NOT NULL DEFAULT 'unknown',
    last_seen_at TEXT
);

-- One row per service and local day: the last number handed out. Never decremented.
CREATE TABLE IF NOT EXISTS daily_sequences (
    service_id INTEGER NOT NULL REFERENCES services(id),
    issued_on TEXT NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (service_id, issued_on)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL,                     -- "A001", kept across transfers
    sequence INTEGER NOT NULL,
    origin_service_id INTEGER NOT NULL REFERENCES services(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    issued_on TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    queued_at TEXT NOT NULL,                  -- place in the waiting line
    status TEXT NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled')),
    held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1)),
    priority INTEGER NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
    priority_reason TEXT
        CHECK (priority_reason IS NULL
               OR priority_reason IN ('disability', 'elderly', 'pregnant', 'child', 'disaster')),
    priority_granted_by TEXT,
    source TEXT NOT NULL DEFAULT 'kiosk' CHECK (source IN ('kiosk', 'phone', 'counter', 'api')),
    kiosk_id INTEGER REFERENCES kiosks(id),
    counter_id INTEGER REFERENCES counters(id),
    officer_id INTEGER REFERENCES users(id),
    called_at TEXT,
    call_count INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT,
    no_show_at TEXT,
    transfer_count INTEGER NOT NULL DEFAULT 0,
    transfer_note TEXT NOT NULL DEFAULT '',
    printed INTEGER CHECK (printed IS NULL OR printed IN (0, 1)),
    print_error TEXT NOT NULL DEFAULT '',
    UNIQUE (origin_service_id, issued_on, sequence),
    CHECK (priority = 1 OR priority_reason IS NULL),
    CHECK (held = 0 OR status IN ('called', 'serving'))  -- parked (tunda) at its counter
);
CREATE INDEX IF NOT EXISTS tickets_waiting ON tickets (service_id, status, priority, queued_at);
CREATE INDEX IF NOT EXISTS tickets_counter ON tickets (counter_id, status);
CREATE INDEX IF NOT EXISTS tickets_issued_on ON tickets (issued_on, service_id);
CREATE INDEX IF NOT EXISTS tickets_origin_day ON tickets (origin_service_id, issued_on, status);
-- the last completed tickets of a service, for its estimated wait: read on every issue and call
CREATE INDEX IF NOT EXISTS tickets_done ON tickets (service_id, status, finished_at);

-- Every change: who, when, what. The source of the reports.
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    ticket_id INTEGER,
    service_id INTEGER,
    agency_id INTEGER,
    counter_id INTEGER,
    user_id INTEGER,
    kiosk_id INTEGER,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_ticket ON events (ticket_id);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE INDEX IF NOT EXISTS events_counter ON events (counter_id, kind, id);

-- Fixed-window counters for rate limits (phones taking tickets, logins, complaints).
CREATE TABLE IF NOT EXISTS rate_limits (
    bucket TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
) WITHOUT ROWID;

-- Admin: every configuration change, who made it and what it was before and after (JSON).
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    username TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'import', 'reset_password', 'print_test')),
    entity TEXT NOT NULL,
    entity_id INTEGER,
    agency_id INTEGER,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_log_entity ON audit_log (entity, entity_id);

-- Survey (SKM, PermenPANRB 14/2017): one anonymous answer set per ticket. Answers are stored by
-- element code (u1 … u9), never by question position, because questionnaires order U8/U9 differently.
-- mode 'quick' is the one-question alternative: it fills only `quick` and is never part of an IKM.
CREATE TABLE IF NOT EXISTS survey_responses (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    counter_id INTEGER REFERENCES counters(id),
    mode TEXT NOT NULL CHECK (mode IN ('skm', 'quick')),
    channel TEXT NOT NULL CHECK (channel IN ('counter', 'ticket')),
    served_on TEXT NOT NULL,                  -- the MPP's local date of service: the period it counts in
    answered_at TEXT NOT NULL,
    u1 INTEGER CHECK (u1 BETWEEN 1 AND 4), u2 INTEGER CHECK (u2 BETWEEN 1 AND 4), u3 INTEGER CHECK (u3 BETWEEN 1 AND 4),
    u4 INTEGER CHECK (u4 BETWEEN 1 AND 4), u5 INTEGER CHECK (u5 BETWEEN 1 AND 4), u6 INTEGER CHECK (u6 BETWEEN 1 AND 4),
    u7 INTEGER CHECK (u7 BETWEEN 1 AND 4), u8 INTEGER CHECK (u8 BETWEEN 1 AND 4), u9 INTEGER CHECK (u9 BETWEEN 1 AND 4),
    quick INTEGER CHECK (quick BETWEEN 1 AND 4),
    sex TEXT CHECK (sex IN ('L', 'P')),
    age_group TEXT CHECK (age_group IN ('<20', '20-29', '30-39', '40-49', '50-59', '60+')),
    education TEXT CHECK (education IN ('SD', 'SMP', 'SMA', 'D1-D3', 'D4-S1', 'S2', 'S3')),
    occupation TEXT CHECK (occupation IN ('PNS', 'TNI', 'POLRI', 'swasta', 'wirausaha', 'lainnya')),
    CHECK ((mode = 'quick') = (quick IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS survey_responses_period ON survey_responses (served_on, agency_id, service_id);

-- Complaints, suggestions and information requests (Perpres 76/2013, SP4N-LAPOR!). The contact is
-- confidential: never shown publicly, hidden from agency staff and exports when `anonymous`.
CREATE TABLE IF NOT EXISTS complaints (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,               -- public tracking code, ADU-XXXX-XXXX
    kind TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion', 'information')),
    category TEXT CHECK (category IN ('service', 'misconduct')),
    agency_id INTEGER REFERENCES agencies(id),
    ticket_id INTEGER REFERENCES tickets(id),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    photo TEXT,                               -- file name under the photo folder beside the database
    name TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    anonymous INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    source TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web', 'kiosk', 'ticket')),
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'verified', 'rejected', 'not_our_authority', 'assigned', 'in_progress', 'answered', 'closed')),
    received_on TEXT NOT NULL,
    received_at TEXT NOT NULL,
    due_on TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',          -- the public answer
    answered_at TEXT,
    closed_at TEXT
);
CREATE INDEX IF NOT EXISTS complaints_agency ON complaints (agency_id, status);
CREATE INDEX IF NOT EXISTS complaints_received ON complaints (received_on);

CREATE TABLE IF NOT EXISTS complaint_steps (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    status TEXT NOT NULL,                     -- the status after this step (unchanged for a note)
    action TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    username TEXT NOT NULL DEFAULT '',
    agency_id INTEGER REFERENCES agencies(id),
    note TEXT NOT NULL DEFAULT ''             -- internal: staff only
);
CREATE INDEX IF NOT EXISTS complaint_steps_complaint ON complaint_steps (complaint_id, id);

-- Report roll-up (admin/reports.py): a local day before today, summed once so a year of reports reads
-- a few thousand rows instead of a million tickets. report_days lists the days rolled up and the last
-- event seen then; a later event on one of the day's tickets makes the day be rolled up again.
CREATE TABLE IF NOT EXISTS report_days (
    day TEXT PRIMARY KEY,
    last_event_id INTEGER NOT NULL,
    rolled_at TEXT NOT NULL
) WITHOUT ROWID;

-- Per day × agency × service × counter × officer: segment outcomes and times (see admin/reports.py).
-- wait_ms/service_ms hold every time of the group as sorted 32-bit little-endian milliseconds, so
-- medians and P90 over any range stay exact.
CREATE TABLE IF NOT EXISTS report_day_segments (
    day TEXT NOT NULL,
    agency_id INTEGER,
    service_id INTEGER,
    counter_id INTEGER,
    officer_id INTEGER,
    served INTEGER NOT NULL,
    no_show INTEGER NOT NULL,
    transferred INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    unfinished INTEGER NOT NULL,
    moved_within INTEGER NOT NULL,            -- transferred, with a later segment in the same agency
    wait_n INTEGER NOT NULL,
    wait_sum_ms INTEGER NOT NULL,
    service_n INTEGER NOT NULL,
    service_sum_ms INTEGER NOT NULL,
    promised_n INTEGER NOT NULL,
    within_n INTEGER NOT NULL,
    wait_ms BLOB NOT NULL,
    service_ms BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS report_day_segments_day ON report_day_segments (day);

-- Per day × service taken × agency holding the ticket × local weekday and hour: tickets issued, and
-- those not cancelled (quota use). The source of issued counts, the peak-hour heatmap and the month grid.
CREATE TABLE IF NOT EXISTS report_day_issued (
    day TEXT NOT NULL,
    service_id INTEGER NOT NULL,
    agency_id INTEGER NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    issued INTEGER NOT NULL,
    kept INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS report_day_issued_day ON report_day_issued (day);
