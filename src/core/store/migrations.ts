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
  {
    version: 2,
    name: 'weight signatures and patched-model lineage',
    sql: `
      CREATE TABLE signatures (
        id               TEXT PRIMARY KEY,
        name             TEXT NOT NULL UNIQUE,
        arch             TEXT NOT NULL,
        input_h          INTEGER NOT NULL,
        input_w          INTEGER NOT NULL,
        input_c          INTEGER NOT NULL,
        num_classes      INTEGER NOT NULL,
        base_model_id    TEXT NOT NULL REFERENCES models(id),
        clean_model_id   TEXT REFERENCES models(id),
        source_model_id  TEXT NOT NULL REFERENCES models(id),
        source_dataset_id TEXT REFERENCES datasets(id),
        layers           TEXT NOT NULL,      -- JSON array of layer names, shallow to deep
        projection       INTEGER NOT NULL,
        compression      TEXT NOT NULL,      -- JSON {quantize?, rank?}
        size_bytes       INTEGER NOT NULL,
        model_bytes      INTEGER NOT NULL,   -- the full model's float32 weights
        sha256           TEXT NOT NULL,
        artifact         TEXT NOT NULL,      -- safetensors, path relative to the lab folder
        tensors          TEXT NOT NULL,      -- JSON per-tensor statistics
        effect           TEXT,               -- JSON measured effect
        created_at       TEXT NOT NULL
      );
      CREATE INDEX signatures_base ON signatures(base_model_id);

      CREATE TABLE patched_models (
        model_id       TEXT PRIMARY KEY REFERENCES models(id),
        target_id      TEXT NOT NULL REFERENCES models(id),
        terms          TEXT NOT NULL,        -- JSON [{signatureId, signatureName, alpha}]
        bn             TEXT NOT NULL,
        bn_dataset_id  TEXT REFERENCES datasets(id)
      );
    `,
  },
  {
    version: 3,
    name: 'history: star, archive, soft delete, saved views, indexes for a 10,000-run history',
    sql: `
      ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN archived_at TEXT;
      -- Deleted runs stay (hidden) until the undo window closes or they are purged.
      ALTER TABLE runs ADD COLUMN deleted_at TEXT;
      -- Where an imported run came from (its archive's content hash), so a second import is a no-op.
      ALTER TABLE runs ADD COLUMN imported_from TEXT;
      CREATE INDEX runs_visible_created ON runs(deleted_at, archived_at, created_at DESC);
      CREATE INDEX runs_name ON runs(name);
      CREATE INDEX runs_kind ON runs(kind);
      CREATE INDEX runs_model ON runs(model_id);
      CREATE INDEX runs_dataset ON runs(dataset_id);
      -- Sort and filter by a metric across runs without scanning histories.
      CREATE INDEX latest_metrics_key_value ON latest_metrics(key, value);
      CREATE INDEX evaluations_run ON evaluations(run_id);
      CREATE INDEX evaluations_dataset ON evaluations(dataset_id);
      CREATE INDEX models_run ON models(run_id);
      CREATE TABLE saved_views (
        name       TEXT PRIMARY KEY,
        page       TEXT NOT NULL,           -- 'runs' or 'compare'
        route      TEXT NOT NULL,           -- the query string of the page's route
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'layer-list architectures: a network as a JSON list of layers, usable by name like the built-in ones',
    sql: `
      CREATE TABLE architectures (
        name        TEXT PRIMARY KEY,
        spec        TEXT NOT NULL,          -- JSON: the checked layer list (shared/byo LayerListSpec)
        created_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'sweeps: a base spec plus axes, expanded into one group of runs (runs.group_id = sweeps.id)',
    sql: `
      CREATE TABLE sweeps (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        kind         TEXT NOT NULL,          -- the members' job kind
        spec         TEXT NOT NULL,          -- JSON: the sweep as submitted (base, axes, mode, …)
        members      TEXT NOT NULL,          -- JSON: [{index, values, spec}] checked at submit
        then_eval    TEXT,                   -- JSON: the chained eval template, or NULL
        status       TEXT NOT NULL CHECK (status IN ('running','paused','finished','cancelled')),
        max_parallel INTEGER NOT NULL,
        host_pid     INTEGER,                -- the process that dispatches its members
        created_at   TEXT NOT NULL,
        ended_at     TEXT
      );
      CREATE INDEX sweeps_created ON sweeps(created_at DESC);
      -- Which run is which member (stage 'run') or its chained evaluation (stage 'eval'); the
      -- primary key makes a member start at most once, whichever process dispatches it.
      CREATE TABLE sweep_runs (
        sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
        member   INTEGER NOT NULL,
        stage    TEXT NOT NULL CHECK (stage IN ('run','eval')),
        run_id   TEXT NOT NULL UNIQUE,
        PRIMARY KEY (sweep_id, member, stage)
      );
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
