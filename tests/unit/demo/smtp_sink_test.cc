#include "demo/smtp_sink.h"

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <cstring>

namespace leakwatch::demo {
namespace {

struct Upload {
  std::string data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t nitems, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * nitems, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// Sends one message with libcurl (a real SMTP client). Returns curl's result code.
CURLcode SendMail(const std::string& url, const std::vector<std::string>& to,
                  const std::string& message) {
  CURL* curl = curl_easy_init();
  REQUIRE(curl != nullptr);
  Upload upload{message, 0};
  curl_slist* rcpt = nullptr;
  for (const auto& r : to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<leakwatch@demo.invalid>");
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  return rc;
}

TEST_CASE("smtp sink receives mail from a real SMTP client", "[unit]") {
  auto sink = SmtpSink::Start();
  REQUIRE(sink.has_value());
  const std::string message =
      "Subject: leakwatch digest\r\n\r\nfirst line\r\n.leading dot line\r\nlast\r\n";
  REQUIRE(SendMail((*sink)->Url(), {"soc@demo.invalid", "ir@demo.invalid"}, message) == CURLE_OK);
  REQUIRE((*sink)->WaitForMessages(1, std::chrono::seconds(5)));
  const auto messages = (*sink)->Messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].from == "leakwatch@demo.invalid");
  CHECK(messages[0].to == std::vector<std::string>{"soc@demo.invalid", "ir@demo.invalid"});
  CHECK(messages[0].data.find("Subject: leakwatch digest") != std::string::npos);
  // curl dot-stuffs the line; the sink must undo it.
  CHECK(messages[0].data.find("\r\n.leading dot line\r\n") != std::string::npos);
  CHECK(messages[0].data.find("\r\nlast\r\n") != std::string::npos);

  REQUIRE(SendMail((*sink)->Url(), {"soc@demo.invalid"}, "Subject: second\r\n\r\nx\r\n") ==
          CURLE_OK);
  CHECK((*sink)->MessageCount() == 2);
}

TEST_CASE("smtp sink refusing mail makes the client fail, and recovers", "[unit]") {
  auto sink = SmtpSink::Start(SmtpSink::Options{.max_message_bytes = 1024, .refuse_all = true});
  REQUIRE(sink.has_value());
  CHECK(SendMail((*sink)->Url(), {"soc@demo.invalid"}, "Subject: x\r\n\r\ny\r\n") != CURLE_OK);
  CHECK((*sink)->MessageCount() == 0);
  (*sink)->SetRefuseAll(false);
  CHECK(SendMail((*sink)->Url(), {"soc@demo.invalid"}, "Subject: x\r\n\r\ny\r\n") == CURLE_OK);
  CHECK((*sink)->MessageCount() == 1);
  // Over the size cap: refused with 552, nothing kept.
  CHECK(SendMail((*sink)->Url(), {"soc@demo.invalid"}, std::string(4096, 'a') + "\r\n") !=
        CURLE_OK);
  CHECK((*sink)->MessageCount() == 1);
}

TEST_CASE("smtp sink stops cleanly and refuses connections afterwards", "[unit]") {
  auto sink = SmtpSink::Start();
  REQUIRE(sink.has_value());
  const std::string url = (*sink)->Url();
  (*sink)->Stop();
  (*sink)->Stop();
  CHECK(SendMail(url, {"soc@demo.invalid"}, "Subject: x\r\n\r\ny\r\n") != CURLE_OK);
}

}  // namespace
}  // namespace leakwatch::demo
