-- Warehouse schema. The analysts' contract: column meanings are documented in docs/schema.md.
-- Bump SCHEMA_VERSION in pipeline/load.py with any change here and add a migration there.

CREATE TABLE IF NOT EXISTS warehouse_meta (
    key   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS reports (
    report_id         VARCHAR NOT NULL,   -- first 16 hex digits of sha256
    file_name         VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    council           VARCHAR,
    report_year       VARCHAR NOT NULL,   -- 'YYYY/YY'
    page_count        INTEGER NOT NULL,
    extractor         VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    ingested_at       TIMESTAMP NOT NULL,
    table_strategies  VARCHAR             -- ruled | aligned | ruled+aligned (pipeline.extract.strategies)
);

CREATE TABLE IF NOT EXISTS report_sections (
    report_id    VARCHAR NOT NULL,
    section_no   INTEGER NOT NULL,
    directorate  VARCHAR,
    service_area VARCHAR,
    attribution  VARCHAR NOT NULL,        -- heading | figures | heading+figures | elimination | unattributed
    heading      VARCHAR,
    printed_directorate VARCHAR,          -- the directorate its heading prints (reorganisations)
    page         INTEGER NOT NULL,
    strategy     VARCHAR                  -- the table strategy that read its Comparative Data table
);

CREATE TABLE IF NOT EXISTS stage_outcomes (
    report_id                  VARCHAR NOT NULL,
    report_year                VARCHAR NOT NULL,
    period                     VARCHAR NOT NULL,
    directorate                VARCHAR NOT NULL,
    service_area               VARCHAR NOT NULL,
    stage                      INTEGER NOT NULL,
    received                   INTEGER,
    upheld_pct                 DOUBLE,
    escalated                  INTEGER,
    upheld_not_upheld_prev_pct DOUBLE,
    page                       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS top_ten (
    report_id                  VARCHAR NOT NULL,
    report_year                VARCHAR NOT NULL,
    period                     VARCHAR NOT NULL,
    rank                       INTEGER NOT NULL,
    printed_name               VARCHAR NOT NULL,
    directorate                VARCHAR NOT NULL,
    service_area               VARCHAR NOT NULL,
    stage                      INTEGER NOT NULL,
    received                   INTEGER,
    upheld_pct                 DOUBLE,
    escalated                  INTEGER,
    upheld_not_upheld_prev_pct DOUBLE,
    page                       INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS printed_differences (
    report_id     VARCHAR NOT NULL,
    directorate   VARCHAR NOT NULL,
    service_area  VARCHAR NOT NULL,
    stage         INTEGER NOT NULL,
    measure       VARCHAR NOT NULL,
    printed_value DOUBLE,
    raw_text      VARCHAR NOT NULL,
    page          INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS commentary (
    report_id               VARCHAR NOT NULL,
    directorate             VARCHAR NOT NULL,
    service_area            VARCHAR NOT NULL,
    stage                   INTEGER NOT NULL,
    key_themes              VARCHAR,
    service_response        VARCHAR,
    complaints_team_comment VARCHAR,
    page                    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS service_commitments (
    report_id       VARCHAR NOT NULL,
    directorate     VARCHAR NOT NULL,
    service_area    VARCHAR NOT NULL,
    commitment_year VARCHAR NOT NULL,
    item_no         INTEGER NOT NULL,
    item_no_inferred BOOLEAN NOT NULL,    -- printed without numbers: numbered in printed order
    commitment      VARCHAR NOT NULL,
    progress        VARCHAR,
    page            INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS data_quality_issues (
    report_id    VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL,        -- error | warning | info
    check_name   VARCHAR NOT NULL,
    directorate  VARCHAR,
    service_area VARCHAR,
    period       VARCHAR,
    stage        INTEGER,
    detail       VARCHAR NOT NULL,
    page         INTEGER
);

CREATE TABLE IF NOT EXISTS quarantine (
    report_id    VARCHAR NOT NULL,
    table_name   VARCHAR NOT NULL,
    directorate  VARCHAR,
    service_area VARCHAR,
    period       VARCHAR,
    stage        INTEGER,
    field        VARCHAR NOT NULL,
    raw_text     VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    page         INTEGER NOT NULL
);
