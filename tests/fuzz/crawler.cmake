# crawler: readers of attacker-controlled header text (Location, Retry-After, curl's
# SOCKS error text).
lw_fuzz_target(crawler_policy SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/crawler_policy_fuzz.cc
  LIBS lw_crawler)
