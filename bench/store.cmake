# store: throughput of the crawler's writer path against a real SQLite file.
add_executable(store_bench ${CMAKE_CURRENT_LIST_DIR}/store_bench.cc)
target_link_libraries(store_bench PRIVATE lw_store lw_options)
