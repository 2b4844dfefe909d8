# parse+extract throughput on the golden fixture pages, with Gumbo's bare parse beside it.
add_executable(bench_parsers ${CMAKE_CURRENT_SOURCE_DIR}/parsers_extract.cc)
target_link_libraries(bench_parsers PRIVATE lw_parsers lw::gumbo lw_options)
target_compile_definitions(bench_parsers PRIVATE LW_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
