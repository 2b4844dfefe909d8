# Every dependency comes from a Debian 12 package, found through its CMake config or
# pkg-config; nothing is vendored. Each becomes an imported target named lw::<name>.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(Catch2 REQUIRED)

pkg_check_modules(sqlite3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(curl REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(gumbo REQUIRED IMPORTED_TARGET gumbo)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(archive REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(sodium REQUIRED IMPORTED_TARGET libsodium)
# SHA-256 only: OpenSSL's uses the CPU's SHA extensions (~5x libsodium's portable code).
pkg_check_modules(crypto REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(re2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(turbojpeg REQUIRED IMPORTED_TARGET libturbojpeg)
pkg_check_modules(png REQUIRED IMPORTED_TARGET libpng16)
pkg_check_modules(webp REQUIRED IMPORTED_TARGET libwebp)

foreach(dep sqlite3 curl gumbo xxhash archive sodium crypto re2 turbojpeg png webp)
  add_library(lw::${dep} ALIAS PkgConfig::${dep})
endforeach()
