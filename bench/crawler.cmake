# crawler: pages/s through the demo SOCKS5 gateway against a fixture site with
# 500 ms latency, as a fraction of the computed bound. bench/README.md.
add_executable(crawl_bench ${CMAKE_CURRENT_LIST_DIR}/crawl_bench.cc)
target_link_libraries(crawl_bench PRIVATE lw_crawler lw_demo lw_parsers lw_options)
