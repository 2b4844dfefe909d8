// Test support for crawl tests: a generated forum-like site on a fixture server and a
// small PageProcessor that reads the site's own markup (href="..." links; rel="next"
// marks a listing's next page). Real extraction is the parsers module's job and is
// tested there; these tests are about fetching, the frontier and run control.
#pragma once

#include <atomic>
#include <mutex>
#include <regex>
#include <string>

#include "crawler/page_processor.h"
#include "demo/fixture_server.h"
#include "parsers/url.h"

namespace leakwatch::testing {

// "/" and "/list/K" are listings of `per_page` items each ("/item/N"), `pages` deep,
// newest first (the highest N on "/"), each with rel="next" to the following one.
// Items link to one file "/files/N.bin" when `with_files`.
inline void ServeForum(demo::FixtureServer& site, int pages, int per_page,
                       std::chrono::milliseconds latency, bool with_files = false) {
  site.SetFallback([=](const demo::HttpRequest& request) -> std::optional<demo::Route> {
    const std::string& t = request.target;
    int page = 0;
    if (t == "/") page = 1;
    if (t.rfind("/list/", 0) == 0) page = std::stoi(t.substr(6));
    if (page >= 1 && page <= pages) {
      std::string html = "<html><body><h1>board page " + std::to_string(page) + "</h1><ul>";
      for (int i = 0; i < per_page; ++i) {
        const int n = pages * per_page - ((page - 1) * per_page + i);
        html += "<li><a href=\"/item/" + std::to_string(n) + "\">thread " + std::to_string(n) +
                "</a></li>";
      }
      html += "</ul>";
      if (page < pages) {
        html += "<a rel=\"next\" href=\"/list/" + std::to_string(page + 1) + "\">next</a>";
      }
      html += "</body></html>";
      demo::Route r = demo::Route::Html(html);
      r.latency = latency;
      return r;
    }
    if (t.rfind("/item/", 0) == 0) {
      std::string html = "<html><body><p>post " + t + "</p>";
      if (with_files) html += "<a href=\"/files/" + t.substr(6) + ".bin\">attachment</a>";
      html += "</body></html>";
      demo::Route r = demo::Route::Html(html);
      r.latency = latency;
      return r;
    }
    if (t.rfind("/files/", 0) == 0) {
      demo::Route r = demo::Route::Huge(2048);
      r.latency = latency;
      return r;
    }
    return std::nullopt;
  });
}

class HrefProcessor final : public crawler::PageProcessor {
 public:
  crawler::ProcessedPage Process(const crawler::FetchedContent& content) override {
    ++calls_;
    crawler::ProcessedPage out;
    const std::string html(content.body.memory());
    static const std::regex kHref(R"re(<a (rel="next" )?href="([^"]+)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), kHref);
         it != std::sregex_iterator(); ++it) {
      auto url = parsers::ResolveUrl(content.url, (*it)[2].str());
      if (!url) continue;
      if ((*it)[1].matched) {
        out.next_page = *url;
        continue;
      }
      crawler::DiscoveredLink link;
      link.url = *url;
      link.kind = url->find("/files/") != std::string::npos  ? store::UrlKind::kFile
                  : url->find("/item/") != std::string::npos ? store::UrlKind::kItem
                                                             : store::UrlKind::kListing;
      if (link.kind == store::UrlKind::kItem) ++out.items;
      out.links.push_back(std::move(link));
    }
    return out;
  }
  int calls() const { return calls_.load(); }

 private:
  std::atomic<int> calls_{0};
};

}  // namespace leakwatch::testing
