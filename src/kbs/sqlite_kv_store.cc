// KvStore on one SQLite file: table kv(ns, key, value) in WAL mode with synchronous=FULL, so an
// acknowledged Set survives kill -9 and power loss. Writes go through one connection under a
// mutex; reads (Get is on the RCAR hot path) use a small pool of connections, which WAL lets run
// concurrently with the writer. Keys are validated before they reach SQL; SQL is never built from
// input (bound parameters only).
#include <sqlite3.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "kbs/kv_store.h"

namespace cocoon::kbs {
namespace {

constexpr int kBusyTimeoutMs = 10'000;
constexpr size_t kMaxIdleReaders = 8;

enum Stmt { kGet, kList, kUpsert, kInsert, kDelete, kStmtCount };
constexpr std::array<const char*, kStmtCount> kSql = {
    "SELECT value FROM kv WHERE ns = ?1 AND key = ?2",
    "SELECT key FROM kv WHERE ns = ?1 ORDER BY key",
    "INSERT INTO kv(ns, key, value) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value",
    "INSERT INTO kv(ns, key, value) VALUES(?1, ?2, ?3)",
    "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
};
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kv(ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB, "
    "PRIMARY KEY(ns, key)) WITHOUT ROWID";

Code CodeForSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Code::kUnavailable;
    case SQLITE_FULL:
    case SQLITE_TOOBIG:
      return Code::kResourceExhausted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::kDataLoss;
    default:
      return Code::kInternal;
  }
}

std::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return MakeError(CodeForSqlite(rc), std::move(msg));
}

// Resets a cached statement when a call is done with it (also ends its read transaction).
class StmtScope {
 public:
  explicit StmtScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtScope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

// One sqlite3 handle and its lazily prepared statements. Used by one thread at a time.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool writer);
  ~Connection() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  Result<sqlite3_stmt*> Prepare(Stmt which);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql, std::string_view what);
  Status SetUpWriter();

  sqlite3* db_;
  std::array<sqlite3_stmt*, kStmtCount> stmts_{};
};

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool writer) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<Connection> conn(new Connection(db));  // closes `db` on every path
  if (rc != SQLITE_OK) return SqliteError(db, rc, "open");
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (writer) TRY(conn->SetUpWriter());
  return conn;
}

Status Connection::Exec(const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, what);
  return Ok();
}

Status Connection::SetUpWriter() {
  // journal_mode answers with the mode in effect; anything but "wal" (e.g. a filesystem without
  // shared memory) would silently lose the concurrency and durability this store promises.
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "journal_mode");
  rc = sqlite3_step(stmt);
  const unsigned char* mode = rc == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : nullptr;
  bool wal = mode != nullptr && std::strcmp(reinterpret_cast<const char*>(mode), "wal") == 0;
  std::string got = mode != nullptr ? reinterpret_cast<const char*>(mode) : "";
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return SqliteError(db_, rc, "journal_mode");
  if (!wal) return Unavailable("journal_mode=WAL not available (got \"" + got + "\")");
  TRY(Exec("PRAGMA synchronous=FULL", "synchronous"));
  return Exec(kSchema, "create table kv");
}

Result<sqlite3_stmt*> Connection::Prepare(Stmt which) {
  if (stmts_[which] != nullptr) return stmts_[which];
  int rc =
      sqlite3_prepare_v3(db_, kSql[which], -1, SQLITE_PREPARE_PERSISTENT, &stmts_[which], nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
  return stmts_[which];
}

Status BindNsKey(sqlite3_stmt* stmt, std::string_view ns, std::string_view key) {
  int rc = sqlite3_bind_text(stmt, 1, ns.data(), static_cast<int>(ns.size()), SQLITE_STATIC);
  if (rc == SQLITE_OK && !key.empty()) {
    rc = sqlite3_bind_text(stmt, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  }
  if (rc != SQLITE_OK) return SqliteError(sqlite3_db_handle(stmt), rc, "bind");
  return Ok();
}

Status BindValue(sqlite3_stmt* stmt, ByteSpan value) {
  // A zero-length blob bound from a null pointer would be stored as NULL; bind an empty blob.
  int rc = value.empty() ? sqlite3_bind_zeroblob(stmt, 3, 0)
                         : sqlite3_bind_blob64(stmt, 3, value.data(), value.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) return SqliteError(sqlite3_db_handle(stmt), rc, "bind value");
  return Ok();
}

std::string Describe(std::string_view ns, std::string_view key) {
  std::string s(ns);
  s += '/';
  s += key;
  return s;
}

class SqliteKvStore final : public KvStore {
 public:
  SqliteKvStore(std::string path, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}

  Status Set(std::string_view ns, std::string_view key, ByteSpan value, bool overwrite) override;
  Result<std::optional<Bytes>> Get(std::string_view ns, std::string_view key) override;
  Result<bool> Delete(std::string_view ns, std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view ns) override;

 private:
  // A reader connection borrowed from the pool; returned on destruction.
  class Lease {
   public:
    Lease(SqliteKvStore* store, std::unique_ptr<Connection> conn)
        : store_(store), conn_(std::move(conn)) {}
    ~Lease() { store_->Release(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection* operator->() const { return conn_.get(); }

   private:
    SqliteKvStore* store_;
    std::unique_ptr<Connection> conn_;
  };

  Result<std::unique_ptr<Connection>> AcquireReader();
  void Release(std::unique_ptr<Connection> conn);

  const std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
};

Result<std::unique_ptr<Connection>> SqliteKvStore::AcquireReader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
  }
  auto conn = Connection::Open(path_, /*writer=*/false);
  if (!conn) return std::unexpected(conn.error().WithContext("SQLite database " + path_));
  return conn;
}

void SqliteKvStore::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(pool_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(conn));
}

Status SqliteKvStore::Set(std::string_view ns, std::string_view key, ByteSpan value,
                          bool overwrite) {
  TRY(ValidateNamespace(ns));
  TRY(ValidateKey(key));
  std::lock_guard lock(write_mu_);
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, writer_->Prepare(overwrite ? kUpsert : kInsert));
  StmtScope scope(stmt);
  TRY(BindNsKey(stmt, ns, key));
  TRY(BindValue(stmt, value));
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return Ok();
  if ((rc & 0xff) == SQLITE_CONSTRAINT && !overwrite) {
    return FailedPrecondition("key " + Describe(ns, key) + " already exists");
  }
  return SqliteError(writer_->db(), rc, "set " + Describe(ns, key));
}

Result<std::optional<Bytes>> SqliteKvStore::Get(std::string_view ns, std::string_view key) {
  TRY(ValidateNamespace(ns));
  TRY(ValidateKey(key));
  ASSIGN_OR_RETURN(auto conn, AcquireReader());
  Lease lease(this, std::move(conn));
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, lease->Prepare(kGet));
  StmtScope scope(stmt);
  TRY(BindNsKey(stmt, ns, key));
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) return SqliteError(lease->db(), rc, "get " + Describe(ns, key));
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, 0));
  int size = sqlite3_column_bytes(stmt, 0);
  if (data == nullptr || size <= 0) return Bytes{};
  return Bytes(data, data + size);
}

Result<bool> SqliteKvStore::Delete(std::string_view ns, std::string_view key) {
  TRY(ValidateNamespace(ns));
  TRY(ValidateKey(key));
  std::lock_guard lock(write_mu_);
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, writer_->Prepare(kDelete));
  StmtScope scope(stmt);
  TRY(BindNsKey(stmt, ns, key));
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) return SqliteError(writer_->db(), rc, "delete " + Describe(ns, key));
  return sqlite3_changes(writer_->db()) > 0;
}

Result<std::vector<std::string>> SqliteKvStore::List(std::string_view ns) {
  TRY(ValidateNamespace(ns));
  ASSIGN_OR_RETURN(auto conn, AcquireReader());
  Lease lease(this, std::move(conn));
  ASSIGN_OR_RETURN(sqlite3_stmt * stmt, lease->Prepare(kList));
  StmtScope scope(stmt);
  TRY(BindNsKey(stmt, ns, {}));
  std::vector<std::string> keys;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    int size = sqlite3_column_bytes(stmt, 0);
    keys.emplace_back(reinterpret_cast<const char*>(text), text == nullptr ? 0 : size);
  }
  if (rc != SQLITE_DONE) return SqliteError(lease->db(), rc, "list " + std::string(ns));
  return keys;
}

Status CreateParentDir(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Unavailable("cannot create directory " + parent.string() + " for SQLite database " +
                       path + ": " + ec.message());
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<KvStore>> OpenSqliteKvStore(const std::string& path) {
  if (path.empty() || path.starts_with(":memory:") || path.starts_with("file:")) {
    return InvalidArgument("SQLite path must be a file path (use the Memory backend for RAM)");
  }
  if (sqlite3_threadsafe() == 0) return Internal("libsqlite3 was built without thread support");
  TRY(CreateParentDir(path));
  auto writer = Connection::Open(path, /*writer=*/true);
  if (!writer) {
    return Unavailable("cannot open SQLite database " + path + ": " + writer.error().message());
  }
  return std::make_unique<SqliteKvStore>(path, std::move(*writer));
}

}  // namespace cocoon::kbs
