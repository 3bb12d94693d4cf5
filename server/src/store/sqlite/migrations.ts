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
  }
]
