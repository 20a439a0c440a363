-- A W&B-shaped database for benchmarks/backup: the kinds of tables W&B keeps
-- (entities, users, projects, runs with JSON config and summaries, sampled
-- history, file and artifact records with binary digests) and data about as
-- compressible as W&B's (random floats, hashes, repeated keys). @RUNS@ runs,
-- about 2 KB of rows each. Generated inside the server (MariaDB's sequence
-- engine), so the client's speed does not matter.
SET SESSION sql_log_bin = 0;

CREATE TABLE entities (
  id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, is_team TINYINT(1) NOT NULL,
  created_at DATETIME NOT NULL, UNIQUE KEY entities_name (name)) ENGINE=InnoDB;
CREATE TABLE users (
  id INT PRIMARY KEY, username VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL,
  api_key_hash BINARY(32) NOT NULL, created_at DATETIME NOT NULL, KEY users_email (email)) ENGINE=InnoDB;
CREATE TABLE projects (
  id INT PRIMARY KEY, entity_id INT NOT NULL, name VARCHAR(128) NOT NULL, description TEXT,
  created_at DATETIME NOT NULL, KEY projects_entity (entity_id)) ENGINE=InnoDB;
CREATE TABLE runs (
  id BIGINT PRIMARY KEY, project_id INT NOT NULL, name VARCHAR(64) NOT NULL, display_name VARCHAR(128),
  state VARCHAR(16) NOT NULL, config LONGTEXT, summary_metrics LONGTEXT, tags TEXT,
  created_at DATETIME NOT NULL, heartbeat_at DATETIME, KEY runs_project (project_id, created_at)) ENGINE=InnoDB;
CREATE TABLE run_history (
  run_id BIGINT NOT NULL, step INT NOT NULL, history LONGTEXT NOT NULL,
  PRIMARY KEY (run_id, step)) ENGINE=InnoDB;
CREATE TABLE files (
  id BIGINT PRIMARY KEY, run_id BIGINT NOT NULL, name VARCHAR(255) NOT NULL, size BIGINT NOT NULL,
  md5 BINARY(16) NOT NULL, created_at DATETIME NOT NULL, KEY files_run (run_id)) ENGINE=InnoDB;
CREATE TABLE artifacts (
  id BIGINT PRIMARY KEY, project_id INT NOT NULL, name VARCHAR(128) NOT NULL, digest BINARY(32) NOT NULL,
  metadata LONGTEXT, created_at DATETIME NOT NULL, KEY artifacts_project (project_id)) ENGINE=InnoDB;
CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty TINYINT(1) NOT NULL) ENGINE=InnoDB;

INSERT INTO schema_migrations VALUES (83, 0);
INSERT INTO entities SELECT seq, CONCAT('team-', seq), seq % 3 = 0, NOW() - INTERVAL seq HOUR FROM seq_1_to_200;
INSERT INTO users SELECT seq, CONCAT('user', seq), CONCAT('user', seq, '@example.com'), UNHEX(SHA2(seq, 256)),
  NOW() - INTERVAL seq MINUTE FROM seq_1_to_2000;
INSERT INTO projects SELECT seq, 1 + seq % 200, CONCAT('project-', seq), REPEAT(CONCAT('notes ', MD5(seq), ' '), 3),
  NOW() - INTERVAL seq MINUTE FROM seq_1_to_2000;
INSERT INTO runs SELECT seq, 1 + seq % 2000, CONCAT('r', LPAD(HEX(seq), 8, '0')), CONCAT('run-', seq),
  ELT(1 + seq % 4, 'finished', 'running', 'crashed', 'failed'),
  CONCAT('{"lr": ', RAND(), ', "batch_size": ', 1 << (seq % 10), ', "optimizer": "adam", "epochs": ', seq % 100,
         ', "dropout": ', RAND(), ', "seed": ', FLOOR(RAND() * 1000000), ', "model": {"layers": ', seq % 48,
         ', "hidden": ', 64 << (seq % 5), ', "heads": ', 1 + seq % 16, '}, "dataset": "', MD5(seq % 97), '"}'),
  CONCAT('{"loss": ', RAND(), ', "accuracy": ', RAND(), ', "val_loss": ', RAND(), ', "val_accuracy": ', RAND(),
         ', "_step": ', seq % 10000, ', "_runtime": ', RAND() * 86400, ', "_timestamp": ', 1700000000 + seq,
         ', "lr": ', RAND(), ', "grad_norm": ', RAND() * 10, '}'),
  CONCAT('baseline,', ELT(1 + seq % 3, 'sweep', 'ablation', 'prod')),
  NOW() - INTERVAL seq MINUTE, NOW() - INTERVAL seq SECOND
  FROM seq_1_to_@RUNS@;
INSERT INTO run_history SELECT r.seq, s.seq,
  CONCAT('{"_step": ', s.seq, ', "loss": ', RAND(), ', "accuracy": ', RAND(), ', "lr": ', RAND(),
         ', "grad_norm": ', RAND() * 10, ', "_timestamp": ', 1700000000 + r.seq * 10 + s.seq, '}')
  FROM seq_1_to_@RUNS@ r JOIN seq_1_to_4 s;
INSERT INTO files SELECT r.seq * 2 + s.seq, r.seq, ELT(1 + s.seq, 'output.log', 'config.yaml'),
  FLOOR(RAND() * 10000000), UNHEX(MD5(r.seq * 2 + s.seq)), NOW() - INTERVAL r.seq MINUTE
  FROM seq_1_to_@RUNS@ r JOIN seq_0_to_1 s;
INSERT INTO artifacts SELECT seq, 1 + seq % 2000, CONCAT('model-', seq), UNHEX(SHA2(seq, 256)),
  CONCAT('{"framework": "torch", "size": ', FLOOR(RAND() * 1e9), ', "files": ', seq % 20, '}'), NOW() - INTERVAL seq MINUTE
  FROM seq_1_to_@RUNS@ WHERE seq % 5 = 0;
