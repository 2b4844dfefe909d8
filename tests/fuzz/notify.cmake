# Alert rendering handles attacker-controlled sighting fields: fuzz its escaping.
lw_fuzz_target(notify_render SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/notify_render_fuzz.cc
  LIBS lw_notify nlohmann_json::nlohmann_json)
