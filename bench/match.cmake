# match/ benchmarks: exact+chunk throughput, record matching throughput, pack build and
# load. Figures and the commands that produced them: bench/README.md.
add_executable(match_bench ${CMAKE_CURRENT_SOURCE_DIR}/match_bench.cc)
target_link_libraries(match_bench PRIVATE lw_match lw_options)
