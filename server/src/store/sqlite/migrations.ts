/**
 * Versioned schema migrations, applied in order of version, each in its own transaction. Never edit
 * a migration that has shipped: add the next one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'identity, sign-in and audit',
    sql: `
      CREATE TABLE organizations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
      CREATE TABLE certifications (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL UNIQUE REFERENCES organizations(id),
        number TEXT NOT NULL UNIQUE,
        valid_from TEXT NOT NULL,
        valid_to TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
        updated_at TEXT NOT NULL,
        CHECK (valid_from <= valid_to)
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        organization_id TEXT REFERENCES organizations(id),
        roles TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        totp_secret_sealed TEXT NOT NULL,
        totp_last_step INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
        locked_until TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL UNIQUE,
        purpose TEXT NOT NULL,
        approval_reference TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK (start_date <= end_date)
      );
      CREATE TABLE project_members (
        project_id TEXT NOT NULL REFERENCES projects(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (project_id, user_id)
      );
      CREATE TABLE project_datasets (
        project_id TEXT NOT NULL REFERENCES projects(id),
        dataset_id TEXT NOT NULL REFERENCES datasets(id),
        PRIMARY KEY (project_id, dataset_id)
      );
      CREATE TABLE auth_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        revoke_reason TEXT,
        source_ip TEXT
      );
      CREATE INDEX auth_sessions_user ON auth_sessions(user_id);
      CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES auth_sessions(id),
        issued_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL,
        source_ip TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX login_failures_username ON login_failures(username, at);
      CREATE INDEX login_failures_ip ON login_failures(source_ip, at);

      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        source_ip TEXT,
        target TEXT,
        outcome TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_action ON audit_log(action, ts);
      CREATE INDEX audit_log_actor ON audit_log(actor, ts);
      -- Append-only: the gateway never updates or deletes audit records. (Someone with the file can
      -- drop these triggers; the hash chain and signed checkpoints are what catch that.)
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        signature TEXT NOT NULL
      );
    `
  },
  {
    version: 2,
    name: 'sandbox sessions, dataset files, gateway identity',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO settings (key, value) VALUES ('gateway_id', lower(hex(randomblob(8))));
      ALTER TABLE datasets ADD COLUMN file TEXT;
      CREATE TABLE sandbox_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        project_id TEXT NOT NULL REFERENCES projects(id),
        state TEXT NOT NULL CHECK (state IN ('starting', 'running', 'stopping', 'stopped', 'failed')),
        reason TEXT,
        sandbox_id TEXT,
        runtime TEXT NOT NULL,
        image TEXT NOT NULL,
        limits TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT
      );
      CREATE INDEX sandbox_sessions_user ON sandbox_sessions(user_id, state);
      CREATE INDEX sandbox_sessions_state ON sandbox_sessions(state);
    `
  },
  {
    version: 3,
    name: 'airlock: export and import requests, their files by digest, review decisions, cell exports',
    sql: `
      CREATE TABLE airlock_requests (
        id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL REFERENCES projects(id),
        direction TEXT NOT NULL CHECK (direction IN ('export', 'import')),
        requester_id TEXT NOT NULL REFERENCES users(id),
        session_id TEXT REFERENCES sandbox_sessions(id),
        state TEXT NOT NULL CHECK (state IN
          ('draft', 'submitted', 'in_review', 'returned', 'approved', 'released', 'rejected', 'withdrawn')),
        round INTEGER NOT NULL CHECK (round >= 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        released_at TEXT
      );
      CREATE INDEX airlock_requests_requester ON airlock_requests(requester_id, state);
      CREATE INDEX airlock_requests_state ON airlock_requests(state);
      CREATE INDEX airlock_requests_project ON airlock_requests(project_id, state);
      CREATE TABLE airlock_files (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES airlock_requests(id),
        round INTEGER NOT NULL,
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size INTEGER NOT NULL CHECK (size >= 0),
        justification TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'review', 'fail')),
        checks TEXT NOT NULL,
        provenance TEXT,
        listing TEXT,
        UNIQUE (request_id, round, name)
      );
      CREATE INDEX airlock_files_request ON airlock_files(request_id, round);
      CREATE INDEX airlock_files_sha256 ON airlock_files(sha256);
      CREATE TABLE review_decisions (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES airlock_requests(id),
        round INTEGER NOT NULL,
        reviewer_id TEXT NOT NULL REFERENCES users(id),
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'return', 'reject')),
        comment TEXT,
        files TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (request_id, round, reviewer_id)
      );
      CREATE INDEX review_decisions_request ON review_decisions(request_id, round);
      CREATE TABLE cell_exports (
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        session_id TEXT NOT NULL REFERENCES sandbox_sessions(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        name TEXT NOT NULL,
        language TEXT NOT NULL CHECK (language IN ('sql', 'python')),
        source TEXT NOT NULL,
        rows INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX cell_exports_sha256 ON cell_exports(sha256, user_id);
    `
  },
  {
    version: 4,
    name: 'policy versions and project policy assignments',
    sql: `
      -- Every version of every named policy is kept: the newest is the one in force.
      CREATE TABLE policy_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        yaml TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        comment TEXT,
        -- a unified line diff of the YAML against the version before (empty for the first)
        diff TEXT NOT NULL,
        -- the file a version was imported from and its SHA-256, so a changed file is imported once
        source TEXT,
        source_sha256 TEXT,
        PRIMARY KEY (name, version)
      );
      -- A project without a row here works under the policy named default.
      CREATE TABLE project_policies (
        project_id TEXT PRIMARY KEY REFERENCES projects(id),
        policy_name TEXT NOT NULL,
        assigned_at TEXT NOT NULL
      );
    `
  },
  {
    version: 5,
    name: 'organizations can be suspended',
    sql: `
      ALTER TABLE organizations ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'suspended'));
      CREATE INDEX users_organization ON users(organization_id);
      CREATE INDEX project_members_user ON project_members(user_id);
    `
  },
  {
    version: 6,
    name: 'a dataset belongs to one project',
    // its pseudonyms are made with that project's key: two projects seeing it could link theirs.
    // The identity rules refuse a second grant with a reason; this holds for every path and race.
    sql: `
      CREATE UNIQUE INDEX project_datasets_one_project ON project_datasets(dataset_id);
    `
  },
  {
    version: 7,
    name: 'airlock: per-file votes and reviews, exceptions, reviewers assigned to projects, preview volumes',
    // Request-level decisions of rounds already decided become one submitted review each, voting the
    // same on every file they named. Those on a round still open (submitted, in review) count for
    // nothing: they were cast seeing each other's and with no check acknowledged, so that round is
    // reviewed afresh. Every old decision stays, as recorded, in review_decisions_superseded.
    sql: `
      ALTER TABLE airlock_files ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'approved', 'returned', 'rejected', 'conflicted', 'released'));
      -- the policy name, version and effective parameters the file's checks ran under (JSON)
      ALTER TABLE airlock_files ADD COLUMN policy TEXT;
      UPDATE airlock_files SET state = coalesce(
        (SELECT CASE
           WHEN r.round > airlock_files.round THEN 'returned'
           WHEN r.state IN ('released', 'approved', 'returned', 'rejected') THEN r.state
         END FROM airlock_requests r WHERE r.id = airlock_files.request_id), 'pending');

      CREATE TABLE airlock_votes (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES airlock_requests(id),
        round INTEGER NOT NULL,
        file_id TEXT NOT NULL REFERENCES airlock_files(id),
        reviewer_id TEXT NOT NULL REFERENCES users(id),
        vote TEXT NOT NULL CHECK (vote IN ('approve', 'return', 'reject')),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        comment TEXT,
        comment_visibility TEXT NOT NULL CHECK (comment_visibility IN ('researcher', 'reviewers')),
        acknowledgements TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (file_id, reviewer_id)
      );
      CREATE INDEX airlock_votes_request ON airlock_votes(request_id, round);
      CREATE TABLE airlock_reviews (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES airlock_requests(id),
        round INTEGER NOT NULL,
        reviewer_id TEXT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL CHECK (kind IN ('review', 'settle')),
        submitted_at TEXT NOT NULL,
        UNIQUE (request_id, round, reviewer_id)
      );
      CREATE TABLE airlock_exceptions (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES airlock_requests(id),
        file_id TEXT NOT NULL REFERENCES airlock_files(id),
        rule TEXT NOT NULL,
        reason TEXT NOT NULL,
        requested_by TEXT NOT NULL REFERENCES users(id),
        requested_at TEXT NOT NULL,
        UNIQUE (file_id, rule)
      );
      CREATE INDEX airlock_exceptions_request ON airlock_exceptions(request_id);
      CREATE TABLE project_reviewers (
        project_id TEXT NOT NULL REFERENCES projects(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        assigned_by TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (project_id, user_id)
      );
      CREATE INDEX project_reviewers_user ON project_reviewers(user_id);
      -- bytes of quarantined files each reviewer previewed, per calendar day in the gateway's time zone
      CREATE TABLE airlock_preview_usage (
        reviewer_id TEXT NOT NULL REFERENCES users(id),
        day TEXT NOT NULL,
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        PRIMARY KEY (reviewer_id, day)
      );

      CREATE TEMP VIEW decided_decisions AS
        SELECT d.id FROM review_decisions d JOIN airlock_requests r ON r.id = d.request_id
        WHERE d.round < r.round OR r.state NOT IN ('draft', 'submitted', 'in_review');
      INSERT INTO airlock_votes (id, request_id, round, file_id, reviewer_id, vote, sha256, comment,
          comment_visibility, acknowledgements, created_at, updated_at)
        SELECT d.id || ':' || json_extract(f.value, '$.fileId'), d.request_id, d.round,
          json_extract(f.value, '$.fileId'), d.reviewer_id, d.decision, json_extract(f.value, '$.sha256'),
          d.comment, 'researcher', '[]', d.created_at, d.created_at
        FROM review_decisions d, json_each(d.files) f
        WHERE json_extract(f.value, '$.fileId') IN (SELECT id FROM airlock_files)
          AND d.id IN (SELECT id FROM decided_decisions);
      INSERT INTO airlock_reviews (id, request_id, round, reviewer_id, kind, submitted_at)
        SELECT id, request_id, round, reviewer_id, 'review', created_at FROM review_decisions
        WHERE id IN (SELECT id FROM decided_decisions);
      DROP VIEW decided_decisions;
      ALTER TABLE review_decisions RENAME TO review_decisions_superseded;
    `
  },
  {
    version: 8,
    name: 'separation of duties: pending changes a second administrator approves, enrolment links, no lockout',
    // Accounts that exist got their password and authenticator secret from an administrator, who
    // knows them: none counts as enrolled (enrolled_at NULL), so a reviewer or administrator among
    // them may sign in but not act as one until they set their own (POST /api/v1/me/credentials).
    // From now on a person sets their own through a link. Lockout gives way to delays computed
    // from login_failures.
    sql: `
      ALTER TABLE users ADD COLUMN enrolled_at TEXT;
      ALTER TABLE users DROP COLUMN locked_until;
      CREATE INDEX auth_sessions_user_ip ON auth_sessions(user_id, source_ip, created_at);

      -- A single-use link: only the SHA-256 of its token is kept. The authenticator seed the person
      -- was shown when they last opened it is kept sealed until they confirm it with a code.
      CREATE TABLE enrolments (
        token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
        user_id TEXT NOT NULL REFERENCES users(id),
        purpose TEXT NOT NULL CHECK (purpose IN ('account', 'reset')),
        issued_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        totp_secret_sealed TEXT,
        used_at TEXT,
        -- a newer link for the same person replaces one not used yet
        revoked_at TEXT
      );
      CREATE INDEX enrolments_user ON enrolments(user_id);

      -- A change one administrator asked for and a second must approve: what exactly (change), the
      -- state it was asked against (guard, checked again at approval), who asked and why.
      CREATE TABLE pending_changes (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN
          ('user.create', 'user.update', 'user.credentials_reset', 'policy.update', 'project.policy')),
        subject TEXT NOT NULL,
        target TEXT,
        change TEXT NOT NULL,
        guard TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        requested_by TEXT NOT NULL REFERENCES users(id),
        requested_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'withdrawn')),
        decided_by TEXT REFERENCES users(id),
        decided_at TEXT,
        decision_reason TEXT,
        -- nobody approves or refuses their own request; only the asker withdraws it
        CHECK (state = 'pending' OR decided_by IS NOT NULL),
        CHECK (state NOT IN ('approved', 'refused') OR decided_by <> requested_by),
        CHECK (state <> 'withdrawn' OR decided_by = requested_by)
      );
      -- one open request per thing changed, so two can't be approved against the same state
      CREATE UNIQUE INDEX pending_changes_open_subject ON pending_changes(subject) WHERE state = 'pending';
      CREATE INDEX pending_changes_state ON pending_changes(state, requested_at);
    `
  },
  {
    version: 9,
    name: 'airlock: a review set aside when its reviewer stops counting',
    // A reviewer who is no longer independent of an open request (or no longer active) has their
    // approvals dropped; their submitted returns and rejections stand, and their review is set
    // aside: it no longer counts toward the policy's number, and they vote no more in that round.
    sql: `
      ALTER TABLE airlock_reviews ADD COLUMN voided INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1));
    `
  },
  {
    version: 10,
    name: "airlock: the requester's organization as it was at submission",
    // A researcher's organization is one administrator's to change: moving the requester after
    // submission must not make a reviewer of their organization count as independent. Requests
    // that exist take the requester's organization as it is now.
    sql: `
      ALTER TABLE airlock_requests ADD COLUMN requester_organization_id TEXT REFERENCES organizations(id);
      UPDATE airlock_requests
        SET requester_organization_id = (SELECT organization_id FROM users WHERE users.id = airlock_requests.requester_id);
    `
  },
  {
    version: 11,
    name: "cell exports: found by the file they wrote, with a model's residual degrees of freedom",
    // A file's origin is the export that wrote it: its digest, its name in the outbox and the
    // project. A model's residual degrees of freedom, when the export helper could tell them.
    sql: `
      ALTER TABLE cell_exports ADD COLUMN residual_df INTEGER CHECK (residual_df IS NULL OR residual_df >= 0);
      CREATE INDEX cell_exports_file ON cell_exports(user_id, name, sha256);
    `
  }
]
