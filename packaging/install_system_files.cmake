# Runs at install time (install(CODE) in packaging/CMakeLists.txt), with
# CMAKE_INSTALL_PREFIX as given to `cmake --install --prefix` or by CPack; file(INSTALL)
# honours DESTDIR. Installs the systemd units with the binary and config paths filled
# in, and the system config unless one is there already: an edited config is never
# overwritten (the .deb lists it in conffiles, so dpkg keeps it as well).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(sysconfdir /etc)
  set(unitdir /lib/systemd/system)
else()
  set(sysconfdir ${CMAKE_INSTALL_PREFIX}/etc)
  set(unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
if(LW_SYSCONFDIR)
  set(sysconfdir ${LW_SYSCONFDIR})
endif()
if(LW_UNITDIR)
  set(unitdir ${LW_UNITDIR})
endif()

set(LW_CONFIG_DIR ${sysconfdir}/leakwatch)
set(LW_CONFIG_FILE ${LW_CONFIG_DIR}/leakwatch.toml)
set(LW_BINARY ${CMAKE_INSTALL_PREFIX}/${LW_BINDIR}/leakwatch)
set(LW_DOC_DIR ${CMAKE_INSTALL_PREFIX}/${LW_DOCDIR})
set(readable OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# A private staging directory: two installs from one build tree may run at once.
string(RANDOM LENGTH 12 run_id)
set(stage ${LW_STAGE_DIR}/install-${run_id})

configure_file(${LW_PACKAGING_DIR}/systemd/leakwatch-crawl.service.in
               ${stage}/leakwatch-crawl.service @ONLY)
file(INSTALL ${stage}/leakwatch-crawl.service
             ${LW_PACKAGING_DIR}/systemd/leakwatch-crawl.timer
     DESTINATION ${unitdir} FILE_PERMISSIONS ${readable})

# Not configure_file(): the config text may hold '@' (email addresses).
file(READ ${LW_STAGE_DIR}/leakwatch.toml.in config_text)
string(REPLACE "%LW_CONFIG_FILE%" "${LW_CONFIG_FILE}" config_text "${config_text}")
file(WRITE ${stage}/leakwatch.toml "${config_text}")
if(EXISTS "$ENV{DESTDIR}${LW_CONFIG_FILE}")
  message(STATUS "Kept: $ENV{DESTDIR}${LW_CONFIG_FILE} (an installed config is never replaced)")
else()
  file(INSTALL ${stage}/leakwatch.toml DESTINATION ${LW_CONFIG_DIR}
       FILE_PERMISSIONS ${readable})
endif()
file(REMOVE_RECURSE ${stage})
