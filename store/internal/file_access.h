// store/internal/file_access: what the file system allows with a database file, and the
// decisions drawn from it: how a read-only open can read the file (issue 14: a database
// on a read-only volume could not be read at all) and, for a writer, what stops it
// writing, named. Inspecting is the only I/O; the decisions are pure functions of the
// facts, so tests cover every case without needing a read-only volume or another user.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "store/store.h"
#include "util/status.h"

namespace leakwatch::store::detail {

// What one look at the file system says about a database path. Write errors are the
// errno of access(W_OK) for the effective user: 0 (writable), EROFS (read-only file
// system), EACCES or EPERM (permissions or an immutable attribute).
struct FileFacts {
  bool exists = false;
  bool is_directory = false;
  int read_errno = 0;       // access(R_OK) on the file
  int write_errno = 0;      // access(W_OK) on the file
  int dir_write_errno = 0;  // access(W_OK) on the directory that holds it
  mode_t mode = 0;          // permission bits of the file
  uid_t owner = 0;
  mode_t dir_mode = 0;
  uid_t dir_owner = 0;
  uid_t user = 0;           // the effective uid asking
  bool wal_exists = false;  // "<path>-wal" exists and is not empty
  bool shm_exists = false;  // "<path>-shm" exists
};

FileFacts InspectFile(const std::filesystem::path& path);

// How a read-only open reads the file:
// - kReadOnly when SQLite can use the WAL beside it: the directory is writable (it
//   creates -shm as needed) or the -wal and -shm files are already there;
// - kSnapshot (immutable) when the directory cannot hold them and no -wal exists, so
//   everything committed is in the file and nothing can be writing it.
// Errors: NotFound (no such file), InvalidArgument (a directory), PermissionDenied
// (not readable, or a -wal holding commits that a read-only directory makes unreadable:
// reading the file alone would silently miss them).
Result<Access> ChooseReadAccess(const FileFacts& facts, const std::filesystem::path& path);

// Why a writer cannot change the existing file at `path`, as a sentence naming the
// cause (read-only file system, read-only file, read-only directory); empty when
// nothing visible stops it.
std::string WriteObstacle(const FileFacts& facts, const std::filesystem::path& path);

}  // namespace leakwatch::store::detail
