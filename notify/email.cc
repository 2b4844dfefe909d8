// SMTP delivery through libcurl: one message per digest, the MIME text built here.
#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>

#include <cstring>
#include <ctime>

#include "notify/internal/curl_handle.h"
#include "notify/internal/transports.h"
#include "util/clock.h"
#include "util/hash.h"

namespace leakwatch::notify::detail {
namespace {

constexpr size_t kBase64LineChars = 76;
constexpr size_t kRandomIdBytes = 16;

std::string RandomHex() {
  unsigned char bytes[kRandomIdBytes];
  randombytes_buf(bytes, sizeof(bytes));
  return util::HexEncode(bytes, sizeof(bytes));
}

// RFC 5322 date in UTC, e.g. "Fri, 27 Nov 2026 08:06:17 +0000".
std::string MailDate(int64_t unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday % 7],
                     tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

// Base64 of `data` in lines of 76 characters, each ended by CRLF.
std::string Base64Lines(std::string_view data) {
  const size_t encoded_len = sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string encoded(encoded_len, '\0');
  sodium_bin2base64(encoded.data(), encoded.size(),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(std::strlen(encoded.c_str()));
  std::string out;
  out.reserve(encoded.size() + encoded.size() / kBase64LineChars * 2 + 2);
  for (size_t i = 0; i < encoded.size(); i += kBase64LineChars) {
    out.append(encoded, i, kBase64LineChars);
    out += "\r\n";
  }
  return out;
}

// A bare address as used in the envelope and headers: no spaces, brackets, commas,
// quotes or control characters, exactly one '@'.
bool IsBareAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  size_t at = 0;
  for (char ch : address) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) return false;
    if (std::strchr("<>,;:\"()[]\\", ch) != nullptr) return false;
    if (ch == '@') ++at;
  }
  return at == 1 && address.front() != '@' && address.back() != '@';
}

std::string DomainOf(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string("leakwatch.invalid")
                                      : HeaderSafe(address.substr(at + 1));
}

Status ValidateEmail(const EmailOptions& email) {
  if (!IsBareAddress(email.from)) {
    return Status::InvalidArgument(
        fmt::format("email: invalid from address \"{}\"", HeaderSafe(email.from)));
  }
  if (email.to.empty()) return Status::InvalidArgument("email: no recipient (to)");
  for (const std::string& to : email.to) {
    if (!IsBareAddress(to)) {
      return Status::InvalidArgument(
          fmt::format("email: invalid to address \"{}\"", HeaderSafe(to)));
    }
  }
  const bool smtps = email.smtp_url.rfind("smtps://", 0) == 0;
  const bool smtp = email.smtp_url.rfind("smtp://", 0) == 0;
  if (!smtp && !smtps) {
    return Status::InvalidArgument("email: smtp_url must start with smtp:// or smtps://");
  }
  if (smtps && email.tls != SmtpTls::kImplicit) {
    return Status::InvalidArgument("email: smtps:// URLs use implicit TLS (tls = \"implicit\")");
  }
  if (smtp && email.tls == SmtpTls::kImplicit) {
    return Status::InvalidArgument("email: implicit TLS needs an smtps:// URL");
  }
  return Status::Ok();
}

struct UploadCursor {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadMessage(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* cursor = static_cast<UploadCursor*>(userdata);
  const size_t room = size * nitems;
  const size_t left = cursor->data->size() - cursor->offset;
  const size_t n = std::min(room, left);
  std::memcpy(buffer, cursor->data->data() + cursor->offset, n);
  cursor->offset += n;
  return n;
}

std::string ExplainSmtpFailure(const EmailOptions& email, CURLcode code, const char* errbuf) {
  const std::string where = RedactedUrl(email.smtp_url);
  if (code == CURLE_USE_SSL_FAILED) {
    return fmt::format(
        "SMTP server {} does not offer STARTTLS, which this channel requires; use a server "
        "with STARTTLS, an smtps:// URL, or tls = \"none\" for a trusted local relay only",
        where);
  }
  if (code == CURLE_LOGIN_DENIED) {
    return fmt::format("SMTP server {} refused the login of user \"{}\"", where,
                       HeaderSafe(email.username));
  }
  return fmt::format("SMTP delivery to {} failed: {}", where, CurlErrorText(code, errbuf));
}

}  // namespace

std::string BuildEmailMessage(const EmailOptions& email, const Digest& digest, const Limits& limits,
                              std::string_view message_id_domain) {
  const std::string boundary = "=_lw_" + RandomHex();
  const std::string domain =
      message_id_domain.empty() ? DomainOf(email.from) : HeaderSafe(message_id_domain);
  std::string to_header;
  for (const std::string& to : email.to) {
    if (!to_header.empty()) to_header += ", ";
    to_header += HeaderSafe(to);
  }
  std::string msg;
  msg += "Date: " + MailDate(digest.generated_at) + "\r\n";
  msg += "From: leakwatch <" + HeaderSafe(email.from) + ">\r\n";
  msg += "To: " + to_header + "\r\n";
  msg += "Subject: " + HeaderSafe(Subject(digest)) + "\r\n";
  msg += "Message-ID: <" + RandomHex() + ".leakwatch@" + domain + ">\r\n";
  msg += "MIME-Version: 1.0\r\n";
  msg += "Auto-Submitted: auto-generated\r\n";
  msg += "X-Leakwatch-Channel: " + HeaderSafe(digest.channel) + "\r\n";
  msg += "X-Leakwatch-Count: " + std::to_string(digest.sightings.size()) + "\r\n";
  msg += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  msg += "\r\n";
  msg += "This is a multi-part message in MIME format.\r\n";
  msg += "\r\n--" + boundary + "\r\n";
  msg += "Content-Type: text/plain; charset=utf-8\r\n";
  msg += "Content-Transfer-Encoding: base64\r\n\r\n";
  msg += Base64Lines(RenderText(digest, limits));
  msg += "\r\n--" + boundary + "\r\n";
  msg += "Content-Type: text/html; charset=utf-8\r\n";
  msg += "Content-Transfer-Encoding: base64\r\n\r\n";
  msg += Base64Lines(RenderHtml(digest, limits));
  msg += "\r\n--" + boundary + "--\r\n";
  return msg;
}

SendResult SendEmail(const EmailOptions& email, const Digest& digest, const Limits& limits,
                     std::string_view message_id_domain) {
  if (Status valid = ValidateEmail(email); !valid.ok()) return {valid, std::nullopt};
  std::optional<util::Secret> password;
  if (!email.username.empty()) {
    Result<util::Secret> secret = ReadSecret(email.password, "email password");
    if (!secret.has_value()) return {secret.error(), std::nullopt};
    password = std::move(secret).value();
  }
  Result<CurlEasy> easy = NewCurlEasy();
  if (!easy.has_value()) return {easy.error(), std::nullopt};
  CURL* h = easy->get();

  const std::string message = BuildEmailMessage(email, digest, limits, message_id_domain);
  UploadCursor cursor{&message};
  CurlSlist recipients;
  for (const std::string& to : email.to) {
    if (!SlistAppend(recipients, "<" + to + ">")) {
      return {Status::Internal("out of memory"), std::nullopt};
    }
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string mail_from = "<" + email.from + ">";
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_URL, email.smtp_url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(h, CURLOPT_READDATA, &cursor);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   email.tls == SmtpTls::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                               : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(email.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(email.timeout.count()));
  if (!email.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, email.ca_file.c_str());
  if (password.has_value()) {
    // Reveal() views the Secret's NUL-terminated std::string; curl copies it.
    curl_easy_setopt(h, CURLOPT_USERNAME, email.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password->Reveal().data());
  }
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return {Status::Unavailable(ExplainSmtpFailure(email, rc, errbuf)), std::nullopt};
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (code != 250) {
    return {Status::Unavailable(fmt::format("SMTP server {} answered {} after DATA, not 250",
                                            RedactedUrl(email.smtp_url), code)),
            std::nullopt};
  }
  return {Status::Ok(), std::nullopt};
}

}  // namespace leakwatch::notify::detail
