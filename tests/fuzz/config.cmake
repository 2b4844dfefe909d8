# The TOML config loader reads user-written files: fuzz it (STYLE.md rule 20).
lw_fuzz_target(config SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/config_fuzz.cc LIBS lw_config)
