#include "demo/world.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "demo/fixture_server.h"
#include "demo/internal/rng.h"
#include "demo/raster.h"
#include "util/files.h"
#include "util/onion.h"

namespace leakwatch::demo {
namespace {

using detail::Rng;
using std::chrono::milliseconds;

constexpr uint64_t kMaxDatasetFileBytes = 64u << 20;
constexpr int kForumTopicsPerPage = 25;
constexpr int kPostsPerPage = 10;
constexpr char kVictim[] = "Northreach Border Agency";
constexpr char kSubcontractor[] = "Perimetrix";

// ---------------------------------------------------------------------------------
// Small text helpers.

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SpacedPlate(std::string plate) {
  std::replace(plate.begin(), plate.end(), '-', ' ');
  return plate;
}

std::string UpperAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// "2026-03-14T08:31:07" -> "14.03.2026 08:31"
std::string EuropeanDate(const std::string& iso) {
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4) + " " +
         iso.substr(11, 5);
}

std::string RandomId(Rng& rng, size_t length) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  for (size_t i = 0; i < length; ++i) id += kAlphabet[rng.Below(kAlphabet.size())];
  return id;
}

template <size_t N>
std::string_view Pick(Rng& rng, const std::array<std::string_view, N>& items) {
  return items[rng.Below(N)];
}

constexpr std::array<std::string_view, 16> kWords = {
    "router", "config", "backup", "kernel", "module", "proxy",  "cache",  "script",
    "update", "mirror", "socket", "buffer", "token",  "vendor", "market", "escrow"};
constexpr std::array<std::string_view, 12> kHandles = {
    "ghostwire", "n0mad",   "kr4ken",  "lowkey",  "sable",    "drift3r",
    "quietfox",  "hexmoth", "ashpile", "voidcat", "pinecone", "zer0day"};
constexpr std::array<std::string_view, 10> kTitles = {"nginx reverse proxy notes",
                                                      "my dotfiles",
                                                      "python scraper snippet",
                                                      "tor relay config",
                                                      "shopping list",
                                                      "escrow rules (read before trading)",
                                                      "cron backup script",
                                                      "random thoughts",
                                                      "vendor review",
                                                      "bash one-liners"};

// An innocuous paste body: code, configs, notes and chatter. Some contain strings that
// look like plates or document numbers, as real pastes do; none is from the dataset.
std::string InnocuousPasteText(Rng& rng) {
  std::string text;
  switch (rng.Below(5)) {
    case 0:
      text = "#!/bin/sh\n# nightly " + std::string(Pick(rng, kWords)) + " job\nset -eu\n";
      for (int i = 0; i < rng.Range(4, 12); ++i) {
        text += "rsync -a /srv/" + std::string(Pick(rng, kWords)) + "/ backup:/vol" +
                std::to_string(rng.Range(1, 9)) + "/\n";
      }
      break;
    case 1:
      text = "server {\n  listen 127.0.0.1:" + std::to_string(rng.Range(1024, 65000)) + ";\n";
      for (int i = 0; i < rng.Range(3, 9); ++i) {
        text += "  location /" + std::string(Pick(rng, kWords)) +
                " { proxy_pass http://127.0.0.1:" + std::to_string(rng.Range(1024, 65000)) +
                "; }\n";
      }
      text += "}\n";
      break;
    case 2:
      text = "order log\n";
      for (int i = 0; i < rng.Range(5, 15); ++i) {
        // Plate- and passport-shaped noise that is not in the dataset.
        text += "ref " + std::to_string(rng.Range(1, 9)) + RandomId(rng, 3) + " " +
                std::to_string(rng.Range(100, 999)) + "  parcel " + RandomId(rng, 9) + "  " +
                std::string(Pick(rng, kHandles)) + "\n";
      }
      break;
    case 3:
      for (int i = 0; i < rng.Range(6, 20); ++i) {
        text += "<" + std::string(Pick(rng, kHandles)) + "> anyone got a working " +
                std::string(Pick(rng, kWords)) + " for the " + std::string(Pick(rng, kWords)) +
                "?\n";
      }
      break;
    default:
      for (int i = 0; i < rng.Range(3, 8); ++i) {
        text += "- " + std::string(Pick(rng, kWords)) + " " + std::string(Pick(rng, kWords)) + " " +
                std::to_string(rng.Range(1, 500)) + "\n";
      }
  }
  return text;
}

// ---------------------------------------------------------------------------------
// Archives in memory (libarchive).

struct ArchiveMember {
  std::string name;
  std::string data;
};

la_ssize_t AppendToString(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

Result<std::string> WriteArchive(const std::vector<ArchiveMember>& members, bool zip_stored) {
  struct archive* a = archive_write_new();
  if (a == nullptr) return Status::Internal("archive_write_new failed");
  std::string out;
  int rc = ARCHIVE_OK;
  if (zip_stored) {
    rc = archive_write_set_format_zip(a);
    if (rc == ARCHIVE_OK) rc = archive_write_set_options(a, "zip:compression=store");
  } else {
    rc = archive_write_set_format_pax_restricted(a);
    if (rc == ARCHIVE_OK) rc = archive_write_add_filter_gzip(a);
  }
  if (rc == ARCHIVE_OK) rc = archive_write_set_bytes_in_last_block(a, 1);
  if (rc == ARCHIVE_OK) rc = archive_write_open(a, &out, nullptr, AppendToString, nullptr);
  for (const ArchiveMember& m : members) {
    if (rc != ARCHIVE_OK) break;
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, m.name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(m.data.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, 1767225600, 0);  // fixed: byte-identical archives
    rc = archive_write_header(a, entry);
    if (rc == ARCHIVE_OK && archive_write_data(a, m.data.data(), m.data.size()) !=
                                static_cast<la_ssize_t>(m.data.size())) {
      rc = ARCHIVE_FATAL;
    }
    archive_entry_free(entry);
  }
  if (rc == ARCHIVE_OK) rc = archive_write_close(a);
  const std::string error =
      rc == ARCHIVE_OK ? "" : (archive_error_string(a) ? archive_error_string(a) : "?");
  archive_write_free(a);
  if (rc != ARCHIVE_OK) return Status::Internal("writing archive: " + error);
  return out;
}

// ---------------------------------------------------------------------------------
// A site: a fixture server answering from a content table, with seeded latency and
// first-request 503s on pages that are not leaks.

class Site {
 public:
  Site(std::string label, uint64_t seed, const WorldOptions& options)
      : label_(std::move(label)), seed_(seed), options_(options) {}

  Status Start() {
    auto server = FixtureServer::Start(FixtureServer::Options{.io_threads = 2});
    if (!server.has_value()) return server.error();
    server_ = std::move(server).value();
    server_->SetRecordRequests(false);
    server_->SetFallback([this](const HttpRequest& request) { return Answer(request); });
    return Status::Ok();
  }

  void Put(const std::string& target, Route route, bool may_fail = true) {
    std::lock_guard lock(mu_);
    content_[target] = Entry{std::move(route), may_fail};
  }

  FixtureServer& server() { return *server_; }
  uint16_t port() const { return server_->port(); }

 private:
  struct Entry {
    Route route;
    bool may_fail = true;
  };

  std::optional<Route> Answer(const HttpRequest& request) {
    std::lock_guard lock(mu_);
    const uint64_t hit = hits_[request.target]++;
    Rng rng = Rng::Derive(seed_, label_ + request.target, hit);
    const auto span = options_.max_latency.count() - options_.min_latency.count();
    const milliseconds latency =
        options_.min_latency +
        milliseconds(span > 0 ? static_cast<int64_t>(rng.Below(static_cast<uint64_t>(span) + 1))
                              : 0);
    auto it = content_.find(request.target);
    if (it == content_.end()) {
      Route missing = Route::Status(404, "<html><body><h1>404 Not Found</h1></body></html>");
      missing.latency = latency;
      return missing;
    }
    Rng fail_rng = Rng::Derive(seed_, "503:" + label_ + request.target);
    if (it->second.may_fail && hit == 0 && fail_rng.Chance(options_.unavailable_rate)) {
      Route busy = Route::Status(503, "<html><body>Service temporarily overloaded</body></html>");
      busy.headers.push_back({"Retry-After", "1"});
      busy.latency = latency;
      return busy;
    }
    Route route = it->second.route;
    route.latency = latency;
    return route;
  }

  std::string label_;
  uint64_t seed_;
  WorldOptions options_;
  std::unique_ptr<FixtureServer> server_;
  std::mutex mu_;
  std::map<std::string, Entry> content_;
  std::map<std::string, uint64_t> hits_;
};

struct Paste {
  std::string id;
  std::string title;
  std::string author;
  std::string text;
  int minutes_ago = 0;
};

// ---------------------------------------------------------------------------------
// Markup of each engine.

std::string PastePage(const Paste& p) {
  return "<!DOCTYPE html><html><head><title>" + HtmlEscape(p.title) +
         " - Pastebin</title></head><body>\n"
         "<div class=\"header\"><a href=\"/archive\">Archive</a></div>\n"
         "<div class=\"post-view\">\n<div class=\"info-top\"><h1>" +
         HtmlEscape(p.title) +
         "</h1></div>\n<div class=\"info-bottom\"><div class=\"username\"><a href=\"/u/" +
         HtmlEscape(p.author) + "\">" + HtmlEscape(p.author) +
         "</a></div><div class=\"date\"><span title=\"" + std::to_string(p.minutes_ago) +
         " minutes ago\">" + std::to_string(p.minutes_ago) +
         " min ago</span></div></div>\n<div class=\"top-buttons\"><a href=\"/raw/" + p.id +
         "\">raw</a></div>\n<textarea class=\"js-paste-raw\" readonly>" + HtmlEscape(p.text) +
         "</textarea>\n</div>\n<ul class=\"sidebar__menu\"><li><a "
         "href=\"/archive\">more</a></li></ul>"
         "\n</body></html>\n";
}

std::string PasteArchivePage(const std::vector<Paste>& newest_first, int page, int per_page) {
  const int total_pages =
      std::max(1, (static_cast<int>(newest_first.size()) + per_page - 1) / per_page);
  std::string html =
      "<!DOCTYPE html><html><head><title>Pastes Archive - Pastebin</title></head><body>\n"
      "<h1>Pastes Archive</h1>\n<table class=\"maintable\">\n<tr><th>Name / Title</th>"
      "<th>Posted</th><th>Syntax</th></tr>\n";
  const size_t begin = static_cast<size_t>((page - 1) * per_page);
  for (size_t i = begin; i < std::min(newest_first.size(), begin + static_cast<size_t>(per_page));
       ++i) {
    const Paste& p = newest_first[i];
    html += "<tr><td><a href=\"/" + p.id + "\">" + HtmlEscape(p.title) +
            "</a></td><td class=\"td_smaller\">" + std::to_string(p.minutes_ago) +
            " min ago</td><td>text</td></tr>\n";
  }
  html += "</table>\n<div class=\"pagination\">";
  if (page < total_pages) {
    html += "<a class=\"-next\" rel=\"next\" href=\"/archive/" + std::to_string(page + 1) +
            "\">Next</a>";
  }
  return html + "</div>\n</body></html>\n";
}

struct ForumPost {
  std::string author;
  std::string body_html;  // already markup
};

struct Topic {
  int id = 0;
  std::string title;
  std::string author;
  std::vector<ForumPost> posts;
};

std::string PhpbbHead(const std::string& title) {
  return "<!DOCTYPE html><html dir=\"ltr\" lang=\"en-gb\"><head><meta charset=\"utf-8\"><title>" +
         HtmlEscape(title) +
         "</title></head><body id=\"phpbb\" class=\"nojs notouch section-index ltr\">\n"
         "<div id=\"wrap\" class=\"wrap\"><div id=\"page-body\" class=\"page-body\">\n";
}
std::string PhpbbFoot() {
  return "</div><div class=\"copyright\">Powered by <a href=\"https://www.phpbb.com/\">phpBB</a>"
         "&reg; Forum Software &copy; phpBB Limited</div></div></body></html>\n";
}

std::string PhpbbPagination(const std::string& base, int page, int pages, int per_page) {
  std::string html = "<div class=\"pagination\">Page " + std::to_string(page) + " of " +
                     std::to_string(pages) + "<ul>";
  if (page < pages) {
    html += "<li class=\"arrow next\"><a class=\"button\" rel=\"next\" href=\"" + base +
            "&amp;start=" + std::to_string(page * per_page) + "\">Next</a></li>";
  }
  return html + "</ul></div>\n";
}

std::string MybbHead(const std::string& title) {
  return "<!DOCTYPE html><html><head><title>" + HtmlEscape(title) +
         "</title><script type=\"text/javascript\" src=\"jscripts/general.js?ver=1821\"></script>"
         "</head><body>\n<div id=\"container\"><div id=\"content\">\n";
}
std::string MybbFoot() {
  return "</div><div id=\"copyright\">Powered By <a href=\"https://mybb.com\">MyBB</a>, &copy; "
         "2002-2026 MyBB Group.</div></div></body></html>\n";
}

}  // namespace

std::string OnionName(uint64_t seed, const std::string& label) {
  Rng rng = Rng::Derive(seed, "onion:" + label);
  std::array<uint8_t, 32> public_key{};
  for (uint8_t& byte : public_key) byte = static_cast<uint8_t>(rng.Below(256));
  return util::OnionV3Address(public_key);
}

struct World::Impl {
  WorldOptions options;
  Dataset dataset;
  std::unique_ptr<Socks5Server> gateway;
  std::unique_ptr<Site> paste_site;
  std::unique_ptr<Site> phpbb;
  std::unique_ptr<Site> mybb;
  std::unique_ptr<Site> filehost;
  std::string paste_onion, phpbb_onion, mybb_onion, filehost_onion, mirror_onion;
  std::string phpbb_sid, mybb_session;

  mutable std::mutex mu;
  std::vector<Paste> pastes;  // newest first
  std::vector<SeededLeak> leaks;
  bool new_leak_posted = false;

  std::string PasteUrl(const std::string& target) const { return "http://" + paste_onion + target; }

  Result<std::string> DatasetFile(const std::string& relative) const {
    return util::ReadFileCapped(dataset.dir / relative, kMaxDatasetFileBytes);
  }

  void PublishPastes() {
    // Caller holds mu (or is single-threaded at start).
    const int per_page = std::max(1, options.pastes_per_page);
    const int pages = std::max(1, (static_cast<int>(pastes.size()) + per_page - 1) / per_page);
    for (int page = 1; page <= pages; ++page) {
      Route listing = Route::Html(PasteArchivePage(pastes, page, per_page));
      paste_site->Put(page == 1 ? "/archive" : "/archive/" + std::to_string(page), listing, false);
    }
    for (const Paste& p : pastes) {
      bool is_leak = false;
      for (const SeededLeak& l : leaks) {
        is_leak = is_leak ||
                  std::find(l.urls.begin(), l.urls.end(), PasteUrl("/" + p.id)) != l.urls.end();
      }
      paste_site->Put("/" + p.id, Route::Html(PastePage(p)), !is_leak);
      paste_site->Put("/raw/" + p.id, Route::Text(p.text), !is_leak);
    }
  }

  Status BuildPasteSite() {
    Rng rng = Rng::Derive(options.seed, "pastes");
    for (int i = 0; i < options.innocuous_pastes; ++i) {
      Paste p;
      p.id = RandomId(rng, 8);
      p.title = std::string(Pick(rng, kTitles));
      p.author = std::string(Pick(rng, kHandles));
      p.text = InnocuousPasteText(rng);
      pastes.push_back(std::move(p));
    }
    // The sample: 20 records as "key: value" blocks, plates spaced, names upper-cased,
    // European dates: nothing like the CSV export byte for byte.
    Paste sample;
    sample.id = RandomId(rng, 8);
    sample.title = "border crossing db - sample 20 rows";
    sample.author = "sable";
    sample.text = "=== sample from the crossing captures db, full dump on the forum ===\n\n";
    for (size_t i = 30; i < 50 && i < dataset.records.size(); ++i) {
      const DemoRecord& r = dataset.records[i];
      sample.text += "Plate: " + SpacedPlate(r.plate) + "\nSeen: " + EuropeanDate(r.captured_at) +
                     "\nTraveller: " + UpperAscii(r.traveler_name) + "\nDoc: " + r.document_no +
                     "\nWhere: " + r.location + "\n\n";
    }
    Paste announce;
    announce.id = RandomId(rng, 8);
    announce.title = "free: contractor breach, plates + traveler photos";
    announce.author = "sable";
    announce.text = std::string("The ") + kVictim + " did not tell you: their subcontractor " +
                    kSubcontractor +
                    " got owned. License plate captures and traveler photos from the border "
                    "crossings, free for all. Proof pics and the zip are on the forums, the "
                    "records export is on the file host. Enjoy.\n";
    // Place them among the innocuous pastes (newest first), on the first pages.
    const size_t at_sample = std::min<size_t>(pastes.size(), 37);
    pastes.insert(pastes.begin() + static_cast<std::ptrdiff_t>(at_sample), sample);
    const size_t at_announce = std::min<size_t>(pastes.size(), 12);
    pastes.insert(pastes.begin() + static_cast<std::ptrdiff_t>(at_announce), announce);
    for (size_t i = 0; i < pastes.size(); ++i) pastes[i].minutes_ago = static_cast<int>(3 + i * 7);

    leaks.push_back({"records-paste",
                     "20 records pasted as key: value blocks",
                     "paste-recent",
                     {PasteUrl("/" + sample.id), PasteUrl("/raw/" + sample.id)},
                     {"records"},
                     false});
    leaks.push_back({"announcement",
                     std::string("paste naming ") + kVictim + " / " + kSubcontractor,
                     "paste-recent",
                     {PasteUrl("/" + announce.id), PasteUrl("/raw/" + announce.id)},
                     {"mention"},
                     false});
    PublishPastes();
    return Status::Ok();
  }

  Status BuildPhpbb() {
    Rng rng = Rng::Derive(options.seed, "phpbb");
    const std::string login = "./ucp.php?mode=login";
    phpbb->Put("/ucp.php?mode=login",
               Route::Html(PhpbbHead("Login") + "<h2>Login</h2><form method=\"post\"></form>" +
                           PhpbbFoot()),
               false);
    auto attachment_route = [&](std::string body) {
      Route r;
      r.content_type = "image/jpeg";
      r.body = std::move(body);
      r.required_cookie = "phpbb3_sid=" + phpbb_sid;
      r.login_location = login;
      return r;
    };
    // Boards: 2 = General, 3 = Marketplace. Topics 1..N, the proof topic in board 3.
    std::map<int, std::vector<Topic>> boards;
    int next_topic = 1;
    int next_file = 1;
    for (int board : {2, 3}) {
      const int count = board == 2 ? 34 : 30;
      for (int i = 0; i < count; ++i) {
        Topic t;
        t.id = next_topic++;
        t.title = std::string(Pick(rng, kTitles));
        t.author = std::string(Pick(rng, kHandles));
        const int posts = rng.Range(1, 14);
        for (int k = 0; k < posts; ++k) {
          t.posts.push_back({std::string(Pick(rng, kHandles)),
                             "<p>" + HtmlEscape(InnocuousPasteText(rng)) + "</p>"});
        }
        if (i == 5) {
          // An innocuous image attachment: a synthetic photo that is not in the dataset.
          auto jpeg = RenderTravelerPhotoJpeg(options.seed * 7919u + 17u, 80);
          if (!jpeg.has_value()) return jpeg.error();
          const int id = next_file++;
          phpbb->Put("/download/file.php?id=" + std::to_string(id), attachment_route(*jpeg));
          t.posts[0].body_html +=
              "<div class=\"inline-attachment\"><dl class=\"file\"><dt class=\"attach-image\">"
              "<img class=\"postimage\" src=\"./download/file.php?id=" +
              std::to_string(id) +
              "\" alt=\"view.jpg\"></dt><dd>view.jpg (40 KiB) Viewed 31 times</dd></dl></div>";
        }
        boards[board].push_back(std::move(t));
      }
    }
    // The proof topic: three dataset images, resized and re-compressed, shown inline.
    Topic proof;
    proof.id = next_topic++;
    proof.title = "border crossing captures - proof pics inside";
    proof.author = "sable";
    std::string body = "<p>fresh from a contractor, 40k plates + traveler photos. proof:</p>";
    std::vector<std::string> proof_urls;
    const std::vector<std::pair<std::string, double>> picks = {{dataset.photo_files.at(0), 0.6},
                                                               {dataset.photo_files.at(1), 0.7},
                                                               {dataset.plate_files.at(2), 0.8}};
    for (const auto& [file, scale] : picks) {
      LW_ASSIGN_OR_RETURN(std::string original, DatasetFile(file));
      LW_ASSIGN_OR_RETURN(std::string reencoded, ReencodeJpeg(original, scale, 55));
      const int id = next_file++;
      const std::string target = "/download/file.php?id=" + std::to_string(id);
      phpbb->Put(target, attachment_route(std::move(reencoded)), false);
      proof_urls.push_back("http://" + phpbb_onion + target);
      body +=
          "<div class=\"inline-attachment\"><dl class=\"file\"><dt class=\"attach-image\">"
          "<img class=\"postimage\" src=\"./download/file.php?id=" +
          std::to_string(id) + "\" alt=\"proof" + std::to_string(id) +
          ".jpg\"></dt><dd>proof.jpg</dd></dl></div>";
    }
    proof.posts.push_back({"sable", body});
    proof.posts.push_back({"kr4ken", "<p>legit? who is the contractor</p>"});
    proof.posts.push_back({"sable", "<p>check the paste site. zip is on the other board.</p>"});
    boards[3].insert(boards[3].begin() + 3, proof);
    leaks.push_back({"proof-images",
                     "3 resized, re-compressed images shown inline as proof",
                     "forum-phpbb",
                     proof_urls,
                     {"image"},
                     false});

    std::string index = PhpbbHead("Index page") + "<ul class=\"topiclist forums\">\n";
    for (const auto& [board, topics] : boards) {
      index += "<li class=\"row\"><dl><dt><a href=\"./viewforum.php?f=" + std::to_string(board) +
               "\" class=\"forumtitle\">" + (board == 2 ? "General" : "Marketplace") +
               "</a></dt></dl></li>\n";
      const int pages =
          (static_cast<int>(topics.size()) + kForumTopicsPerPage - 1) / kForumTopicsPerPage;
      const std::string base = "./viewforum.php?f=" + std::to_string(board);
      for (int page = 1; page <= pages; ++page) {
        std::string html = PhpbbHead("Board") +
                           "<h2 class=\"forum-title\">Board</h2>\n"
                           "<ul class=\"topiclist topics\">\n";
        for (int i = (page - 1) * kForumTopicsPerPage;
             i < std::min(static_cast<int>(topics.size()), page * kForumTopicsPerPage); ++i) {
          const Topic& t = topics[static_cast<size_t>(i)];
          html +=
              "<li class=\"row bg1\"><dl class=\"row-item topic_read\"><dt><div "
              "class=\"list-inner\">"
              "<a href=\"./viewtopic.php?t=" +
              std::to_string(t.id) + "\" class=\"topictitle\">" + HtmlEscape(t.title) +
              "</a><div class=\"topic-poster responsive-hide left-box\">by "
              "<a href=\"./memberlist.php?mode=viewprofile&amp;u=2\" class=\"username\">" +
              HtmlEscape(t.author) + "</a></div></div></dt><dd class=\"posts\">" +
              std::to_string(t.posts.size() - 1) + "</dd></dl></li>\n";
        }
        html += "</ul>\n" + PhpbbPagination(base, page, pages, kForumTopicsPerPage) + PhpbbFoot();
        const std::string target =
            "/viewforum.php?f=" + std::to_string(board) +
            (page == 1 ? "" : "&start=" + std::to_string((page - 1) * kForumTopicsPerPage));
        phpbb->Put(target, Route::Html(html), false);
      }
      for (const Topic& t : topics) {
        const int tpages = (static_cast<int>(t.posts.size()) + kPostsPerPage - 1) / kPostsPerPage;
        const std::string tbase = "./viewtopic.php?t=" + std::to_string(t.id);
        for (int page = 1; page <= tpages; ++page) {
          std::string html = PhpbbHead(t.title) + "<h2 class=\"topic-title\"><a href=\"" + tbase +
                             "\">" + HtmlEscape(t.title) + "</a></h2>\n";
          for (int k = (page - 1) * kPostsPerPage;
               k < std::min(static_cast<int>(t.posts.size()), page * kPostsPerPage); ++k) {
            const ForumPost& p = t.posts[static_cast<size_t>(k)];
            html +=
                "<div id=\"p" + std::to_string(t.id * 100 + k) +
                "\" class=\"post has-profile bg2\"><div class=\"inner\"><div class=\"postbody\">"
                "<p class=\"author\">by <strong><a href=\"./memberlist.php?u=3\" "
                "class=\"username\">" +
                HtmlEscape(p.author) + "</a></strong> &raquo; <time datetime=\"2026-11-2" +
                std::to_string(k % 7) +
                "T10:00:00+00:00\">Nov 2026</time></p>"
                "<div class=\"content\">" +
                p.body_html + "</div></div></div></div>\n";
          }
          html += PhpbbPagination(tbase, page, tpages, kPostsPerPage) + PhpbbFoot();
          const std::string target =
              "/viewtopic.php?t=" + std::to_string(t.id) +
              (page == 1 ? "" : "&start=" + std::to_string((page - 1) * kPostsPerPage));
          phpbb->Put(target, Route::Html(html), t.id != proof.id);
        }
      }
    }
    index += "</ul>\n" + PhpbbFoot();
    phpbb->Put("/index.php", Route::Html(index), false);
    return Status::Ok();
  }

  Status BuildMybb() {
    Rng rng = Rng::Derive(options.seed, "mybb");
    const std::string login = "member.php?action=login";
    mybb->Put("/member.php?action=login",
              Route::Html(MybbHead("Login") +
                          "<form action=\"member.php\" method=\"post\"></form>" + MybbFoot()),
              false);
    std::vector<Topic> threads;
    for (int i = 0; i < 40; ++i) {
      Topic t;
      t.id = 100 + i;
      t.title = std::string(Pick(rng, kTitles));
      t.author = std::string(Pick(rng, kHandles));
      const int posts = rng.Range(1, 16);
      for (int k = 0; k < posts; ++k) {
        t.posts.push_back({std::string(Pick(rng, kHandles)), HtmlEscape(InnocuousPasteText(rng))});
      }
      threads.push_back(std::move(t));
    }
    // The zip thread: 8 plate images and 4 photos, 3 of them re-encoded on the way.
    std::vector<ArchiveMember> members;
    for (size_t i = 0; i < 8 && i < dataset.plate_files.size(); ++i) {
      LW_ASSIGN_OR_RETURN(std::string jpeg, DatasetFile(dataset.plate_files[i]));
      if (i % 3 == 1) {
        LW_ASSIGN_OR_RETURN(jpeg, ReencodeJpeg(jpeg, 1.0, 70));
      }
      members.push_back(
          {"crossing_dump/plates/" + std::to_string(i + 1) + ".jpg", std::move(jpeg)});
    }
    for (size_t i = 0; i < 4 && i + 2 < dataset.photo_files.size(); ++i) {
      LW_ASSIGN_OR_RETURN(std::string jpeg, DatasetFile(dataset.photo_files[i + 2]));
      members.push_back(
          {"crossing_dump/travelers/" + std::to_string(i + 1) + ".jpg", std::move(jpeg)});
    }
    LW_ASSIGN_OR_RETURN(std::string zip, WriteArchive(members, /*zip_stored=*/true));
    Route attachment;
    attachment.content_type = "application/zip";
    attachment.body = std::move(zip);
    attachment.headers.push_back(
        {"Content-Disposition", "attachment; filename=\"crossing_dump.zip\""});
    attachment.required_cookie = "mybbuser=" + mybb_session;
    attachment.login_location = login;
    mybb->Put("/attachment.php?aid=7", attachment, false);
    Topic offer;
    offer.id = 777;
    offer.title = "[FREE] border crossing captures zip";
    offer.author = "sable";
    offer.posts.push_back(
        {"sable",
         "first part of the dump, plates and travelers.<br><fieldset><legend>"
         "Attached Files</legend><img src=\"images/attachtypes/zip.png\" alt=\"\">"
         "<a href=\"attachment.php?aid=7\" target=\"_blank\">crossing_dump.zip</a>"
         " (1.1 MB / 12 downloads)</fieldset>"});
    offer.posts.push_back({"n0mad", "thx"});
    threads.insert(threads.begin() + 6, offer);
    leaks.push_back({"zip-offer",
                     "zip of 12 dataset images (3 re-encoded) attached to a thread",
                     "forum-mybb",
                     {"http://" + mybb_onion + "/attachment.php?aid=7"},
                     {"partial", "exact", "image"},
                     false});

    constexpr int kThreadsPerPage = 20;
    const int pages = (static_cast<int>(threads.size()) + kThreadsPerPage - 1) / kThreadsPerPage;
    for (int page = 1; page <= pages; ++page) {
      std::string html = MybbHead("Leaks") + "<table border=\"0\" class=\"tborder clear\">\n";
      for (int i = (page - 1) * kThreadsPerPage;
           i < std::min(static_cast<int>(threads.size()), page * kThreadsPerPage); ++i) {
        const Topic& t = threads[static_cast<size_t>(i)];
        html +=
            "<tr class=\"inline_row\"><td class=\"trow1 forumdisplay_regular\"><div>"
            "<span class=\"subject_old\" id=\"tid_" +
            std::to_string(t.id) + "\"><a href=\"showthread.php?tid=" + std::to_string(t.id) +
            "\">" + HtmlEscape(t.title) +
            "</a></span><div class=\"author smalltext\"><a "
            "href=\"member.php?action=profile&amp;uid=5\">" +
            HtmlEscape(t.author) +
            "</a></div></div></td><td class=\"trow1\" align=\"center\">"
            "<a href=\"javascript:MyBB.whoPosted(" +
            std::to_string(t.id) + ");\">" + std::to_string(t.posts.size() - 1) +
            "</a></td><td class=\"trow1\"><span class=\"lastpost smalltext\">"
            "Today</span></td></tr>\n";
      }
      html += "</table>\n<div class=\"pagination\">";
      if (page < pages) {
        html += "<a href=\"forumdisplay.php?fid=4&amp;page=" + std::to_string(page + 1) +
                "\" class=\"pagination_next\">Next &raquo;</a>";
      }
      html += "</div>\n" + MybbFoot();
      mybb->Put(page == 1 ? "/forumdisplay.php?fid=4"
                          : "/forumdisplay.php?fid=4&page=" + std::to_string(page),
                Route::Html(html), false);
    }
    for (const Topic& t : threads) {
      const int tpages = (static_cast<int>(t.posts.size()) + kPostsPerPage - 1) / kPostsPerPage;
      for (int page = 1; page <= tpages; ++page) {
        std::string html = MybbHead(t.title) + "<div id=\"posts\">\n";
        for (int k = (page - 1) * kPostsPerPage;
             k < std::min(static_cast<int>(t.posts.size()), page * kPostsPerPage); ++k) {
          const ForumPost& p = t.posts[static_cast<size_t>(k)];
          html += "<div class=\"post\" id=\"post_" + std::to_string(t.id * 100 + k) +
                  "\"><div class=\"post_author\"><div class=\"author_information\"><strong>"
                  "<span class=\"largetext\"><a href=\"member.php?action=profile&amp;uid=5\">" +
                  HtmlEscape(p.author) +
                  "</a></span></strong></div></div><div class=\"post_content\">"
                  "<div class=\"post_head\"><span class=\"post_date\">Today, 10:0" +
                  std::to_string(k % 10) +
                  " AM</span></div><div class=\"post_body scaleimages\" id=\"pid_" +
                  std::to_string(t.id * 100 + k) + "\">" + p.body_html + "</div></div></div>\n";
        }
        html += "</div>\n<div class=\"pagination\">";
        if (page < tpages) {
          html += "<a href=\"showthread.php?tid=" + std::to_string(t.id) +
                  "&amp;page=" + std::to_string(page + 1) +
                  "\" class=\"pagination_next\">Next &raquo;</a>";
        }
        html += "</div>\n" + MybbFoot();
        mybb->Put("/showthread.php?tid=" + std::to_string(t.id) +
                      (page == 1 ? "" : "&page=" + std::to_string(page)),
                  Route::Html(html), t.id != offer.id);
      }
    }
    std::string index = MybbHead("Forum index") +
                        "<table class=\"tborder\"><tr><td class=\"trow1\"><strong><a "
                        "href=\"forumdisplay.php?fid=4\">"
                        "Leaks &amp; Databases</a></strong></td></tr></table>\n" +
                        MybbFoot();
    mybb->Put("/index.php", Route::Html(index), false);
    return Status::Ok();
  }

  Status BuildFileHost() {
    LW_ASSIGN_OR_RETURN(std::string csv, DatasetFile(dataset.records_file));
    // A truncated copy: the transfer "died" at 60 %, cut mid-line.
    const std::string truncated = csv.substr(0, csv.size() * 6 / 10);
    LW_ASSIGN_OR_RETURN(
        std::string tgz,
        WriteArchive({{"export/README.txt", "crossing captures export, part 1 of 9\n"},
                      {"export/captures_part1.csv", truncated}},
                     /*zip_stored=*/false));
    LW_ASSIGN_OR_RETURN(std::string decoy,
                        WriteArchive({{"tools/readme.md", "# scraper toolkit\nnothing to see\n"},
                                      {"tools/run.sh", "#!/bin/sh\necho hi\n"}},
                                     false));
    Route file;
    file.content_type = "application/gzip";
    file.body = std::move(tgz);
    filehost->Put("/d/k3v9x2/captures_part1.tar.gz", file, false);
    Route decoy_file;
    decoy_file.content_type = "application/gzip";
    decoy_file.body = std::move(decoy);
    filehost->Put("/d/q8w1mz/scraper_toolkit.tar.gz", decoy_file);
    filehost->Put(
        "/",
        Route::Html("<!DOCTYPE html><html><head><title>anonfiles mirror</title></head><body>"
                    "<h1>Recent uploads</h1><ul>"
                    "<li><a href=\"/f/k3v9x2\">captures_part1.tar.gz</a> 412 KB</li>"
                    "<li><a href=\"/f/q8w1mz\">scraper_toolkit.tar.gz</a> 1 KB</li>"
                    "</ul></body></html>\n"),
        false);
    filehost->Put("/f/k3v9x2",
                  Route::Html("<html><body><h1>captures_part1.tar.gz</h1>"
                              "<a href=\"/d/k3v9x2/captures_part1.tar.gz\">Download</a>"
                              "</body></html>\n"),
                  false);
    filehost->Put("/f/q8w1mz",
                  Route::Html("<html><body><h1>scraper_toolkit.tar.gz</h1>"
                              "<a href=\"/d/q8w1mz/scraper_toolkit.tar.gz\">Download</a>"
                              "</body></html>\n"));
    leaks.push_back({"truncated-export",
                     "tar.gz holding a truncated copy of the records export",
                     "filehost",
                     {"http://" + filehost_onion + "/d/k3v9x2/captures_part1.tar.gz"},
                     {"partial", "records"},
                     false});
    return Status::Ok();
  }
};

World::World(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
World::~World() { Stop(); }

Result<std::unique_ptr<World>> World::Start(const Dataset& dataset, WorldOptions options) {
  if (dataset.photo_files.size() < 6 || dataset.plate_files.size() < 8 ||
      dataset.records.size() < 80) {
    return Status::InvalidArgument("the demo world needs >= 6 photos, 8 plates and 80 records");
  }
  if (options.max_latency < options.min_latency) options.max_latency = options.min_latency;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->dataset = dataset;
  Rng rng = Rng::Derive(options.seed, "sessions");
  impl->phpbb_sid = RandomId(rng, 32);
  impl->mybb_session = std::to_string(rng.Range(2, 999)) + "_" + RandomId(rng, 40);
  impl->paste_onion = OnionName(options.seed, "paste");
  impl->phpbb_onion = OnionName(options.seed, "phpbb");
  impl->mybb_onion = OnionName(options.seed, "mybb");
  impl->filehost_onion = OnionName(options.seed, "filehost");
  impl->mirror_onion = OnionName(options.seed, "mirror");

  auto gateway = Socks5Server::Start(Socks5Server::Options{.require_auth = false, .io_threads = 2});
  if (!gateway.has_value()) return gateway.error();
  impl->gateway = std::move(gateway).value();
  struct Named {
    std::unique_ptr<Site>* site;
    const char* label;
    const std::string* onion;
  };
  for (const Named& n : {Named{&impl->paste_site, "paste", &impl->paste_onion},
                         Named{&impl->phpbb, "phpbb", &impl->phpbb_onion},
                         Named{&impl->mybb, "mybb", &impl->mybb_onion},
                         Named{&impl->filehost, "filehost", &impl->filehost_onion}}) {
    *n.site = std::make_unique<Site>(n.label, options.seed, options);
    LW_RETURN_IF_ERROR((*n.site)->Start());
    impl->gateway->MapOnion(*n.onion, (*n.site)->server().port());
  }
  // The mirror is never mapped: Tor answers "onion service descriptor not found".
  std::lock_guard lock(impl->mu);
  LW_RETURN_IF_ERROR(impl->BuildPasteSite());
  LW_RETURN_IF_ERROR(impl->BuildPhpbb());
  LW_RETURN_IF_ERROR(impl->BuildMybb());
  LW_RETURN_IF_ERROR(impl->BuildFileHost());
  return std::unique_ptr<World>(new World(std::move(impl)));
}

std::string World::ProxyUrl() const { return impl_->gateway->ProxyUrl(); }

std::vector<WorldSource> World::Sources() const {
  const Impl& i = *impl_;
  return {
      {"paste-recent",
       "pastebin",
       {"http://" + i.paste_onion + "/archive"},
       i.paste_onion,
       "",
       "",
       false},
      {"forum-phpbb",
       "phpbb3_prosilver",
       {"http://" + i.phpbb_onion + "/index.php"},
       i.phpbb_onion,
       "phpbb3_sid",
       i.phpbb_sid,
       false},
      {"forum-mybb",
       "mybb",
       {"http://" + i.mybb_onion + "/index.php"},
       i.mybb_onion,
       "mybbuser",
       i.mybb_session,
       false},
      {"filehost",
       "generic",
       {"http://" + i.filehost_onion + "/"},
       i.filehost_onion,
       "",
       "",
       false},
      {"paste-mirror",
       "pastebin",
       {"http://" + i.mirror_onion + "/archive"},
       i.mirror_onion,
       "",
       "",
       true},
  };
}

uint16_t World::SitePort(const std::string& source_name) const {
  const Impl& i = *impl_;
  const std::map<std::string, const Site*> sites = {{"paste-recent", i.paste_site.get()},
                                                    {"forum-phpbb", i.phpbb.get()},
                                                    {"forum-mybb", i.mybb.get()},
                                                    {"filehost", i.filehost.get()}};
  const auto it = sites.find(source_name);
  return it == sites.end() || it->second == nullptr ? 0 : it->second->port();
}

std::vector<SeededLeak> World::Leaks() const {
  std::lock_guard lock(impl_->mu);
  return impl_->leaks;
}

const SeededLeak* World::LeakForUrl(const std::string& url) const {
  std::lock_guard lock(impl_->mu);
  for (const SeededLeak& leak : impl_->leaks) {
    if (std::find(leak.urls.begin(), leak.urls.end(), url) != leak.urls.end()) return &leak;
  }
  return nullptr;
}

Status World::PostNewLeak() {
  std::lock_guard lock(impl_->mu);
  Impl& i = *impl_;
  if (i.new_leak_posted) return Status::AlreadyExists("the new leak was already posted");
  Rng rng = Rng::Derive(i.options.seed, "new-leak");
  Paste p;
  p.id = RandomId(rng, 8);
  p.title = "travelers db part 2 (20 rows)";
  p.author = "drift3r";
  p.text = "PASSPORT     NAME                      CAPTURED\n";
  for (size_t k = 60; k < 80 && k < i.dataset.records.size(); ++k) {
    const DemoRecord& r = i.dataset.records[k];
    p.text += r.document_no + "    " + r.traveler_name +
              std::string(26 - std::min<size_t>(r.traveler_name.size(), 24), ' ') + r.captured_at +
              "\n";
  }
  p.minutes_ago = 1;
  i.pastes.insert(i.pastes.begin(), p);
  i.leaks.push_back({"new-paste",
                     "a paste posted between the two crawls (table layout)",
                     "paste-recent",
                     {i.PasteUrl("/" + p.id), i.PasteUrl("/raw/" + p.id)},
                     {"records"},
                     true});
  i.new_leak_posted = true;
  i.PublishPastes();
  return Status::Ok();
}

std::vector<SocksConnect> World::GatewayLog() const { return impl_->gateway->Connects(); }

int64_t World::TotalRequests() const {
  int64_t total = 0;
  for (const auto* site : {&impl_->paste_site, &impl_->phpbb, &impl_->mybb, &impl_->filehost}) {
    if (*site) total += (*site)->server().TotalRequests();
  }
  return total;
}

void World::Stop() {
  if (impl_->gateway) impl_->gateway->Stop();
  for (auto* site : {&impl_->paste_site, &impl_->phpbb, &impl_->mybb, &impl_->filehost}) {
    if (*site) (*site)->server().Stop();
  }
}

}  // namespace leakwatch::demo
