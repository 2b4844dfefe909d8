#include "store/internal/file_access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <system_error>

namespace leakwatch::store::detail {
namespace fs = std::filesystem;

namespace {

constexpr mode_t kPermissionBits = 07777;

int AccessErrno(const fs::path& path, int how) {
  return ::faccessat(AT_FDCWD, path.c_str(), how, AT_EACCESS) == 0 ? 0 : errno;
}

fs::path DirectoryOf(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// "is on a read-only file system", "is not writable by uid 1000 (mode 0555, owner uid 0)".
std::string WhyNot(int err, const char* what, mode_t mode, uid_t owner, uid_t user) {
  if (err == EROFS) return "is on a read-only file system";
  std::ostringstream out;
  if (err == EACCES || err == EPERM) {
    out << "is not " << what << " by uid " << user << " (mode " << std::oct << std::setw(4)
        << std::setfill('0') << mode << std::dec << ", owner uid " << owner
        << (err == EPERM ? "; or an immutable attribute" : "") << ")";
  } else {
    out << "cannot be checked: " << std::strerror(err);
  }
  return out.str();
}

bool DirectoryBlocksWal(const FileFacts& f) {
  return f.dir_write_errno != 0 && !(f.wal_exists && f.shm_exists);
}

}  // namespace

FileFacts InspectFile(const fs::path& path) {
  FileFacts f;
  f.user = ::geteuid();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.is_directory = S_ISDIR(st.st_mode);
  f.mode = st.st_mode & kPermissionBits;
  f.owner = st.st_uid;
  f.read_errno = AccessErrno(path, R_OK);
  f.write_errno = AccessErrno(path, W_OK);
  const fs::path dir = DirectoryOf(path);
  if (::stat(dir.c_str(), &st) == 0) {
    f.dir_mode = st.st_mode & kPermissionBits;
    f.dir_owner = st.st_uid;
  }
  f.dir_write_errno = AccessErrno(dir, W_OK);
  std::error_code ec;
  const auto wal_size = fs::file_size(path.string() + "-wal", ec);
  f.wal_exists = !ec && wal_size > 0;
  f.shm_exists = fs::exists(path.string() + "-shm", ec);
  return f;
}

Result<Access> ChooseReadAccess(const FileFacts& f, const fs::path& path) {
  if (!f.exists) return Status::NotFound(path.string() + ": no such database file");
  if (f.is_directory) {
    return Status::InvalidArgument(path.string() + ": is a directory, not a database file");
  }
  if (f.read_errno != 0) {
    return Status::PermissionDenied(path.string() + ": " +
                                    WhyNot(f.read_errno, "readable", f.mode, f.owner, f.user));
  }
  if (!DirectoryBlocksWal(f)) return Access::kReadOnly;
  if (f.wal_exists) {
    return Status::PermissionDenied(
        path.string() +
        "-wal holds changes not yet in the database file, and SQLite cannot read them "
        "without creating " +
        path.filename().string() + "-shm beside it: the directory " + DirectoryOf(path).string() +
        " " + WhyNot(f.dir_write_errno, "writable", f.dir_mode, f.dir_owner, f.user) +
        "; copy the database together with its -wal file to a writable directory");
  }
  return Access::kSnapshot;
}

std::string WriteObstacle(const FileFacts& f, const fs::path& path) {
  if (!f.exists || f.is_directory) return "";
  if (f.write_errno == EROFS || f.dir_write_errno == EROFS) {
    return path.string() + " is on a read-only file system";
  }
  if (f.write_errno != 0) {
    return "the database file " + path.string() + " " +
           WhyNot(f.write_errno, "writable", f.mode, f.owner, f.user);
  }
  if (DirectoryBlocksWal(f)) {
    return "the directory " + DirectoryOf(path).string() + " " +
           WhyNot(f.dir_write_errno, "writable", f.dir_mode, f.dir_owner, f.user) +
           ", and SQLite must create " + path.filename().string() +
           "-wal and -shm beside the database";
  }
  return "";
}

}  // namespace leakwatch::store::detail
