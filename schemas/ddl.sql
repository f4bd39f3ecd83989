-- Warehouse schema. The analysts' contract: every table, view and column carries a COMMENT
-- generated from schemas/catalog.toml, which also generates docs/schema.md.
-- The ENUM types (severity, check_name, attribution, measure, ingest_status) are created first
-- from the Literal types in schemas/records.py and pipeline/run.py.
-- Bump SCHEMA_VERSION in pipeline/load.py with any change here.
-- Every per-report table starts with the report's identity: report_id, council, report_year.

CREATE TABLE IF NOT EXISTS warehouse_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS reports (
    report_id             VARCHAR PRIMARY KEY,
    council               VARCHAR NOT NULL,
    report_year           VARCHAR NOT NULL CHECK (regexp_full_match(report_year, '\d{4}/\d{2}')),
    report_year_start     INTEGER GENERATED ALWAYS AS (TRY_CAST(substr(report_year, 1, 4) AS INTEGER)),
    sha256                VARCHAR NOT NULL UNIQUE,
    source_path           VARCHAR NOT NULL,
    file_name             VARCHAR NOT NULL,
    page_count            INTEGER NOT NULL CHECK (page_count >= 1),
    extractor             VARCHAR NOT NULL,
    extractor_version     VARCHAR NOT NULL,
    extractor_fingerprint VARCHAR NOT NULL,
    ingested_at           TIMESTAMP NOT NULL,
    table_strategies      VARCHAR,
    parser                VARCHAR NOT NULL CHECK (parser IN ('pdfium', 'pdfminer')),
    UNIQUE (council, report_year)
);

CREATE TABLE IF NOT EXISTS report_sections (
    report_id    VARCHAR NOT NULL,
    council      VARCHAR NOT NULL,
    report_year  VARCHAR NOT NULL,
    section_no   INTEGER NOT NULL CHECK (section_no >= 1),
    directorate  VARCHAR,
    service_area VARCHAR,
    attribution  attribution NOT NULL,
    heading      VARCHAR,
    printed_directorate VARCHAR,
    strategy     VARCHAR,
    page         INTEGER NOT NULL CHECK (page >= 1),
    UNIQUE (report_id, section_no)
);

CREATE TABLE IF NOT EXISTS stage_outcomes (
    report_id                  VARCHAR NOT NULL,
    council                    VARCHAR NOT NULL,
    report_year                VARCHAR NOT NULL,
    period                     VARCHAR NOT NULL CHECK (regexp_full_match(period, '\d{4}/\d{2}')),
    period_start               INTEGER GENERATED ALWAYS AS (TRY_CAST(substr(period, 1, 4) AS INTEGER)),
    directorate                VARCHAR NOT NULL,
    service_area               VARCHAR NOT NULL,
    stage                      INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    received                   INTEGER CHECK (received >= 0),
    upheld_pct                 DOUBLE CHECK (upheld_pct BETWEEN 0 AND 100),
    escalated                  INTEGER CHECK (escalated >= 0),
    upheld_not_upheld_prev_pct DOUBLE CHECK (upheld_not_upheld_prev_pct BETWEEN 0 AND 100),
    page                       INTEGER NOT NULL CHECK (page >= 1)
);

CREATE TABLE IF NOT EXISTS top_ten (
    report_id                  VARCHAR NOT NULL,
    council                    VARCHAR NOT NULL,
    report_year                VARCHAR NOT NULL,
    period                     VARCHAR NOT NULL CHECK (regexp_full_match(period, '\d{4}/\d{2}')),
    period_start               INTEGER GENERATED ALWAYS AS (TRY_CAST(substr(period, 1, 4) AS INTEGER)),
    rank                       INTEGER NOT NULL CHECK (rank >= 1),
    printed_name               VARCHAR NOT NULL,
    directorate                VARCHAR NOT NULL,
    service_area               VARCHAR NOT NULL,
    stage                      INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    received                   INTEGER CHECK (received >= 0),
    upheld_pct                 DOUBLE CHECK (upheld_pct BETWEEN 0 AND 100),
    escalated                  INTEGER CHECK (escalated >= 0),
    upheld_not_upheld_prev_pct DOUBLE CHECK (upheld_not_upheld_prev_pct BETWEEN 0 AND 100),
    page                       INTEGER NOT NULL CHECK (page >= 1),
    UNIQUE (report_id, period, rank, stage)
);

CREATE TABLE IF NOT EXISTS printed_differences (
    report_id     VARCHAR NOT NULL,
    council       VARCHAR NOT NULL,
    report_year   VARCHAR NOT NULL,
    directorate   VARCHAR NOT NULL,
    service_area  VARCHAR NOT NULL,
    stage         INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    measure       measure NOT NULL,
    printed_value DOUBLE,
    raw_text      VARCHAR NOT NULL,
    page          INTEGER NOT NULL CHECK (page >= 1)
);

CREATE TABLE IF NOT EXISTS commentary (
    report_id               VARCHAR NOT NULL,
    council                 VARCHAR NOT NULL,
    report_year             VARCHAR NOT NULL,
    directorate             VARCHAR NOT NULL,
    service_area            VARCHAR NOT NULL,
    stage                   INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    key_themes              VARCHAR,
    service_response        VARCHAR,
    complaints_team_comment VARCHAR,
    page                    INTEGER NOT NULL CHECK (page >= 1)
);

CREATE TABLE IF NOT EXISTS service_commitments (
    report_id             VARCHAR NOT NULL,
    council               VARCHAR NOT NULL,
    report_year           VARCHAR NOT NULL,
    directorate           VARCHAR NOT NULL,
    service_area          VARCHAR NOT NULL,
    commitment_year       VARCHAR NOT NULL
                          CHECK (regexp_full_match(commitment_year, '\d{4}/\d{2}')),
    commitment_year_start INTEGER
                          GENERATED ALWAYS AS (TRY_CAST(substr(commitment_year, 1, 4) AS INTEGER)),
    item_no               INTEGER NOT NULL CHECK (item_no >= 1),
    item_no_inferred      BOOLEAN NOT NULL,
    commitment            VARCHAR NOT NULL,
    progress              VARCHAR,
    page                  INTEGER NOT NULL CHECK (page >= 1)
);

CREATE TABLE IF NOT EXISTS data_quality_issues (
    report_id    VARCHAR NOT NULL,
    council      VARCHAR NOT NULL,
    report_year  VARCHAR NOT NULL,
    severity     severity NOT NULL,
    check_name   check_name NOT NULL,
    directorate  VARCHAR,
    service_area VARCHAR,
    period       VARCHAR,
    period_start INTEGER GENERATED ALWAYS AS (TRY_CAST(substr(period, 1, 4) AS INTEGER)),
    stage        INTEGER CHECK (stage BETWEEN 1 AND 3),
    detail       VARCHAR NOT NULL,
    page         INTEGER CHECK (page >= 1)
);

CREATE TABLE IF NOT EXISTS quarantine (
    report_id    VARCHAR NOT NULL,
    council      VARCHAR NOT NULL,
    report_year  VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    directorate  VARCHAR,
    service_area VARCHAR,
    period       VARCHAR,
    stage        INTEGER,
    field        VARCHAR NOT NULL,
    raw_text     VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    page         INTEGER NOT NULL CHECK (page >= 1)
);

CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id         VARCHAR NOT NULL,
    run_started_at TIMESTAMP NOT NULL,
    user_name      VARCHAR NOT NULL,
    host_name      VARCHAR NOT NULL,
    tool_version   VARCHAR NOT NULL,
    source_path    VARCHAR NOT NULL,
    sha256         VARCHAR,
    status         ingest_status NOT NULL,
    council        VARCHAR,
    report_year    VARCHAR,
    report_id      VARCHAR,
    detail         VARCHAR,
    recorded_at    TIMESTAMP NOT NULL
);
