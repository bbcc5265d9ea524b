/**
 * Numbered schema migrations. Append only: a released migration is never edited, a change is a
 * new entry. Each runs in its own transaction together with its row in schema_migrations.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema: datasets, models, runs, params, metrics, evaluations, tags',
    sql: `
      CREATE TABLE datasets (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        source      TEXT NOT NULL,
        height      INTEGER NOT NULL,
        width       INTEGER NOT NULL,
        channels    INTEGER NOT NULL,
        num_classes INTEGER NOT NULL,
        class_names TEXT NOT NULL,          -- JSON array
        splits      TEXT NOT NULL,          -- JSON {train?: {count}, test?: {count}}
        files       TEXT NOT NULL,          -- JSON: relative paths of the .npy files
        parent_id   TEXT REFERENCES datasets(id),
        recipe      TEXT,                   -- JSON: how it was derived from its parent
        created_at  TEXT NOT NULL
      );

      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('queued','running','finished','failed','cancelled','interrupted')),
        spec        TEXT NOT NULL,          -- JSON: the validated job spec, enough to repeat the run
        dataset_id  TEXT REFERENCES datasets(id),
        model_id    TEXT,                   -- train: the model produced; eval: the model evaluated
        group_id    TEXT,                   -- sweeps: runs launched together
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        ended_at    TEXT,
        error       TEXT,
        backend     TEXT,
        device      TEXT,
        note        TEXT NOT NULL DEFAULT '',
        host_pid    INTEGER,
        worker_pid  INTEGER,
        heartbeat_at INTEGER                -- ms since epoch, written by the worker
      );
      CREATE INDEX runs_created ON runs(created_at DESC);
      CREATE INDEX runs_status ON runs(status);
      CREATE INDEX runs_group ON runs(group_id);

      CREATE TABLE models (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        arch        TEXT NOT NULL,
        input_h     INTEGER NOT NULL,
        input_w     INTEGER NOT NULL,
        input_c     INTEGER NOT NULL,
        num_classes INTEGER NOT NULL,
        param_count INTEGER NOT NULL,
        source      TEXT NOT NULL,
        dataset_id  TEXT REFERENCES datasets(id),
        run_id      TEXT REFERENCES runs(id),
        parent_id   TEXT REFERENCES models(id),
        sha256      TEXT NOT NULL,
        size_bytes  INTEGER NOT NULL,
        artifact    TEXT NOT NULL,          -- path relative to the lab folder
        created_at  TEXT NOT NULL
      );
      CREATE INDEX models_name ON models(name);

      CREATE TABLE params (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      );
      CREATE INDEX params_key ON params(key, value);

      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL NOT NULL,
        time   INTEGER NOT NULL
      );
      CREATE INDEX metrics_run_key ON metrics(run_id, key, step);

      CREATE TABLE latest_metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key    TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL NOT NULL,
        time   INTEGER NOT NULL,
        PRIMARY KEY (run_id, key)
      );

      CREATE TABLE evaluations (
        id              TEXT PRIMARY KEY,
        run_id          TEXT REFERENCES runs(id),
        model_id        TEXT NOT NULL REFERENCES models(id),
        dataset_id      TEXT NOT NULL REFERENCES datasets(id),
        split           TEXT NOT NULL,
        attack          TEXT NOT NULL,      -- JSON AttackSpec
        count           INTEGER NOT NULL,
        clean_accuracy  REAL NOT NULL,
        robust_accuracy REAL,
        details         TEXT NOT NULL,      -- JSON
        created_at      TEXT NOT NULL
      );
      CREATE INDEX evaluations_model ON evaluations(model_id);

      CREATE TABLE tags (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag    TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      );
      CREATE INDEX tags_tag ON tags(tag);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
