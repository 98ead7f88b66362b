// The documentation that lives in the repository: the generated pages of docs/ are what
// `magsim docs` prints today, every relative Markdown link resolves to a file (and heading) inside
// the repository, and no file points at design notes that are not part of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/magsim_cli.hpp"
#include "tests/temp_files.hpp"

namespace {

namespace fs = std::filesystem;
using magsim::testing::run_magsim;
using magsim::testing::slurp;

const fs::path kSource = MAGSIM_SOURCE_DIR;

struct GeneratedPage {
  const char* topic;
  const char* file;
};
const GeneratedPage kPages[] = {{"vocabulary", "vocabulary.md"},
                                {"parameters", "parameters.md"},
                                {"validation-cases", "validation-cases.md"},
                                {"cli-help", "cli-help.md"}};

const char* kRegenerate = "regenerate with: build/bin/magsim docs --write docs";

std::string cases_dir_arg() { return " --cases-dir '" + (kSource / "tests/validation").string() + "'"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// "line N: expected ... / committed ..." for the first line where the two texts differ.
std::string first_difference(const std::string& expected, const std::string& committed) {
  const auto a = lines_of(expected), b = lines_of(committed);
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "<end of text>";
    const std::string y = i < b.size() ? b[i] : "<end of file>";
    if (x != y)
      return "first difference at line " + std::to_string(i + 1) + ":\n  magsim docs: " + x +
             "\n  committed:   " + y;
  }
  return "the texts differ only in their final line break";
}

TEST(DocsGenerated, CommittedPagesAreWhatMagsimDocsPrints) {
  for (const auto& page : kPages) {
    SCOPED_TRACE(page.topic);
    const auto r = run_magsim(std::string("docs ") + page.topic + cases_dir_arg());
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_GT(r.out.size(), 500u) << "a generated page with next to nothing in it";
    const fs::path committed = kSource / "docs" / page.file;
    ASSERT_TRUE(fs::exists(committed)) << "docs/" << page.file << " is missing; " << kRegenerate;
    const std::string text = slurp(committed);
    EXPECT_TRUE(text == r.out) << "docs/" << page.file << " is not current; " << kRegenerate
                               << "\n" << first_difference(r.out, text);
  }
}

TEST(DocsGenerated, PagesNameWhatTheModelKnows) {
  // A few names that must appear, each from a different table of the program.
  const auto vocab = run_magsim("docs vocabulary");
  ASSERT_EQ(vocab.code, 0) << vocab.err;
  for (const char* s : {"| `citrate` |", "| `bisglycinate` (another name for `glycinate`) |",
                        "| `omeprazole` | ppi | oral, iv |", "`alcohol_use_disorder`",
                        "| `serum_mg_total` | mmol/L |", "| `patellar_reflexes_lost` |",
                        "| salt rate | mg/h | g/h, mg/h, g/d |"})
    EXPECT_NE(vocab.out.find(s), std::string::npos) << s;
  const auto params = run_magsim("docs parameters");
  ASSERT_EQ(params.code, 0) << params.err;
  EXPECT_NE(params.out.find("| `salt.citrate.mg_fraction` |"), std::string::npos);
  const auto cases = run_magsim("docs validation-cases" + cases_dir_arg());
  ASSERT_EQ(cases.code, 0) << cases.err;
  EXPECT_NE(cases.out.find("\n## V4\n"), std::string::npos);
  EXPECT_NE(cases.out.find("| citrate / oxide, 0-4 h urine increment | >= 10 | Lindberg 1990 |"),
            std::string::npos);
  const auto help = run_magsim("docs cli-help");
  ASSERT_EQ(help.code, 0) << help.err;
  EXPECT_NE(help.out.find("## magsim sweep\n\n```\nusage: magsim sweep SWEEP.yaml"),
            std::string::npos);
}

TEST(DocsGenerated, WriteGivesTheSamePagesAsTheTopics) {
  magsim::testing::TempDir dir;
  const auto w = run_magsim("docs --write '" + dir.path().string() + "'" + cases_dir_arg());
  ASSERT_EQ(w.code, 0) << w.err;
  for (const auto& page : kPages) {
    const auto r = run_magsim(std::string("docs ") + page.topic + cases_dir_arg());
    EXPECT_EQ(slurp(dir / page.file), r.out) << page.file;
  }
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, std::size(kPages)) << "no temporary files left behind";
}

TEST(DocsCommand, RefusesWhatItCannotDo) {
  const auto unknown = run_magsim("docs vocabularies");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown topic 'vocabularies'"), std::string::npos) << unknown.err;
  const auto nothing = run_magsim("docs");
  EXPECT_EQ(nothing.code, 2);
  EXPECT_NE(nothing.err.find("give one TOPIC or --write DOCS_DIR"), std::string::npos);
  const auto both = run_magsim("docs vocabulary --write /tmp");
  EXPECT_EQ(both.code, 2);
  const auto missing = run_magsim("docs --write");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--write needs a value"), std::string::npos);
}

// ---- links -----------------------------------------------------------------------------------

// GitHub's anchor for a heading: lower case; letters (accented and Greek ones too), digits, '-'
// and '_' kept; spaces become '-'; everything else (punctuation, symbols such as '…' or '×')
// dropped.
std::string heading_slug(const std::string& heading) {
  std::string out;
  for (size_t i = 0; i < heading.size();) {
    const unsigned char c = heading[i];
    if (c < 0x80) {
      if (std::isalnum(c) || c == '-' || c == '_') out += static_cast<char>(std::tolower(c));
      else if (c == ' ') out += '-';
      ++i;
      continue;
    }
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    unsigned cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len && i + k < heading.size(); ++k) cp = (cp << 6) | (heading[i + k] & 0x3F);
    const bool letter = (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
                        (cp >= 0x370 && cp <= 0x3FF);
    if (letter) out += heading.substr(i, len);  // GitHub lower-cases these too; ours are lower
    i += len;
  }
  return out;
}

// The text of a Markdown file with fenced code blocks blanked (line numbers kept).
std::vector<std::string> prose_lines(const std::string& text) {
  auto lines = lines_of(text);
  bool fenced = false;
  for (auto& line : lines) {
    const auto first = line.find_first_not_of(' ');
    const bool fence = first != std::string::npos && line.compare(first, 3, "```") == 0;
    if (fence || fenced) {
      if (fence) fenced = !fenced;
      line.clear();
    }
  }
  return lines;
}

// The anchors of a Markdown file's headings (duplicates numbered as GitHub does) and of its
// explicit <a id="..."> / <a name="..."> tags.
std::set<std::string> anchors_of(const fs::path& file) {
  std::set<std::string> out;
  std::map<std::string, int> seen;
  const std::regex tag(R"re(<a (?:id|name)="([^"]+)")re");
  for (const auto& line : prose_lines(slurp(file))) {
    if (!line.empty() && line[0] == '#') {
      const auto text_at = line.find_first_not_of('#');
      if (text_at != std::string::npos && line[text_at] == ' ') {
        const std::string slug = heading_slug(line.substr(text_at + 1));
        const int n = seen[slug]++;
        out.insert(n == 0 ? slug : slug + "-" + std::to_string(n));
      }
    }
    for (auto m = std::sregex_iterator(line.begin(), line.end(), tag); m != std::sregex_iterator(); ++m)
      out.insert((*m)[1]);
  }
  return out;
}

// Every Markdown file a reader of the repository meets.
std::vector<fs::path> documentation_files() {
  std::vector<fs::path> out{kSource / "README.md", kSource / "tests/validation/known_limits.md"};
  for (const auto& e : fs::directory_iterator(kSource / "docs"))
    if (e.path().extension() == ".md") out.push_back(e.path());
  for (const char* tree : {"models", "examples"})
    for (const auto& e : fs::recursive_directory_iterator(kSource / tree))
      if (e.path().filename() == "README.md") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool inside(const fs::path& path, const fs::path& root) {
  const std::string p = fs::weakly_canonical(path).string(), r = fs::canonical(root).string();
  return p == r || (p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/');
}

// "FILE:LINE: what is wrong" for each relative link of `file` that leads nowhere or out of `root`.
std::vector<std::string> broken_links(const fs::path& file, const fs::path& root = kSource) {
  std::vector<std::string> problems;
  // [text](target) or [text](target "title"); inline code spans are skipped below.
  const std::regex link(R"(\[[^\]]*\]\(([^)\s]*)(?:\s+"[^"]*")?\))");
  const auto lines = prose_lines(slurp(file));
  const std::string where_file = fs::relative(file, root).string();
  const auto shown = [&](const fs::path& p) {
    return fs::relative(fs::weakly_canonical(p), fs::canonical(root)).string();
  };
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string line = lines[n];
    // Blank inline code spans, which may hold [x](y) as text.
    for (size_t open = line.find('`'); open != std::string::npos; open = line.find('`', open)) {
      const size_t close = line.find('`', open + 1);
      if (close == std::string::npos) break;
      std::fill(line.begin() + open, line.begin() + close + 1, ' ');
      open = close + 1;
    }
    for (auto m = std::sregex_iterator(line.begin(), line.end(), link); m != std::sregex_iterator(); ++m) {
      const std::string target = (*m)[1];
      const std::string where = where_file + ":" + std::to_string(n + 1) + ": link '" + target + "'";
      if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0 ||
          target.rfind("mailto:", 0) == 0)
        continue;
      if (target.empty()) {
        problems.push_back(where + " is empty");
        continue;
      }
      if (target[0] == '/') {
        problems.push_back(where + " is an absolute path");
        continue;
      }
      const auto hash = target.find('#');
      const std::string path_part = target.substr(0, hash);
      const std::string anchor = hash == std::string::npos ? "" : target.substr(hash + 1);
      const fs::path dest = path_part.empty() ? file : file.parent_path() / path_part;
      if (!inside(dest, root)) {
        problems.push_back(where + " points outside the repository");
        continue;
      }
      if (!fs::exists(dest)) {
        problems.push_back(where + ": no such file " + shown(dest));
        continue;
      }
      if (!anchor.empty()) {
        if (dest.extension() != ".md")
          problems.push_back(where + ": an anchor into a file that is not Markdown");
        else if (!anchors_of(dest).count(anchor))
          problems.push_back(where + ": no heading with the anchor #" + anchor + " in " + shown(dest));
      }
    }
  }
  return problems;
}

TEST(DocsLinks, HeadingAnchorsAreGitHubs) {
  EXPECT_EQ(heading_slug("A measured start"), "a-measured-start");
  EXPECT_EQ(heading_slug("`magsim --help` and every command's `--help`"),
            "magsim---help-and-every-commands---help");
  EXPECT_EQ(heading_slug("Salt forms (`salts.hpp`; parameters `salt.<form>.…`)"),
            "salt-forms-saltshpp-parameters-saltform");
  EXPECT_EQ(heading_slug("Pharmacokinetics à la Lu × 2"), "pharmacokinetics-à-la-lu--2");
  EXPECT_EQ(heading_slug("V4"), "v4");
}

TEST(DocsLinks, TheCheckerFindsBrokenLinks) {
  magsim::testing::TempDir dir;
  const fs::path root = dir / "repo";
  fs::create_directories(root / "docs");
  magsim::testing::write(root / "README.md", "# Front page\n\n## Two words\n");
  magsim::testing::write(dir / "outside.md", "# Outside\n");
  const fs::path probe = root / "docs" / "probe.md";
  magsim::testing::write(probe,
                         "# Probe\n\n[ok](../README.md) [ok too](#probe) [gone](no_such_file.md)\n"
                         "[anchor](../README.md#two-words) [bad anchor](../README.md#no-such-heading)\n"
                         "[out](../../outside.md) [abs](/etc/passwd) [web](https://example.org/x)\n"
                         "`[not a link](nowhere.md)`\n```\n[in a fence](nowhere.md)\n```\n");
  const auto problems = broken_links(probe, root);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_NE(problems[0].find("docs/probe.md:3: link 'no_such_file.md': no such file docs/no_such_file.md"),
            std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("no heading with the anchor #no-such-heading in README.md"),
            std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("'../../outside.md' points outside the repository"), std::string::npos)
      << problems[2];
  EXPECT_NE(problems[3].find("'/etc/passwd' is an absolute path"), std::string::npos) << problems[3];
}

TEST(DocsLinks, EveryRelativeLinkResolvesInsideTheRepository) {
  const auto files = documentation_files();
  EXPECT_GE(files.size(), 12u) << "README.md, docs/*.md, the model's and the examples' READMEs";
  size_t links_checked = 0;
  for (const auto& f : files) {
    for (const auto& p : broken_links(f)) ADD_FAILURE() << p;
    const std::regex any(R"(\]\()");
    const std::string text = slurp(f);
    links_checked += std::distance(std::sregex_iterator(text.begin(), text.end(), any),
                                   std::sregex_iterator());
  }
  EXPECT_GT(links_checked, 50u);
}

TEST(DocsLinks, EveryDocsPageIsReachableFromTheIndex) {
  const std::string index = slurp(kSource / "docs/README.md");
  for (const auto& e : fs::directory_iterator(kSource / "docs")) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".md" || name == "README.md") continue;
    EXPECT_NE(index.find("](" + name + ")"), std::string::npos)
        << "docs/README.md does not link docs/" << name;
  }
  EXPECT_NE(slurp(kSource / "README.md").find("](docs/README.md)"), std::string::npos);
}

// ---- self-contained --------------------------------------------------------------------------

// The repository's files: what git tracks, or, outside a git checkout, every file below the
// source directory except build directories and hidden ones.
std::vector<fs::path> repository_files() {
  std::vector<fs::path> out;
  const std::string cmd = "git -C '" + kSource.string() + "' ls-files -z 2>/dev/null";
  if (FILE* p = popen(cmd.c_str(), "r")) {
    std::string all;
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) all.append(buf, n);
    if (pclose(p) == 0)
      for (size_t at = 0, end; (end = all.find('\0', at)) != std::string::npos; at = end + 1)
        out.push_back(kSource / all.substr(at, end - at));
  }
  if (!out.empty()) return out;
  for (auto it = fs::recursive_directory_iterator(kSource); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name.rfind("build", 0) == 0 || name[0] == '.')) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) out.push_back(it->path());
  }
  return out;
}

TEST(DocsSelfContained, NoFileNamesDocumentsOutsideTheRepository) {
  // Spelled in pieces so that this file does not name them itself.
  const std::vector<std::string> forbidden{"../" + std::string("shared"),
                                           "/work/" + std::string("shared"),
                                           "SPEC" + std::string(".md"),
                                           "PHYSIOLOGY" + std::string(".md"),
                                           "VALIDATION" + std::string(".md")};
  const auto files = repository_files();
  ASSERT_GT(files.size(), 100u);
  for (const auto& f : files) {
    if (!fs::is_regular_file(f)) continue;  // deleted in the working tree
    const std::string text = slurp(f);
    for (const auto& word : forbidden)
      for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const auto line = std::count(text.begin(), text.begin() + at, '\n') + 1;
        ADD_FAILURE() << fs::relative(f, kSource).string() << ":" << line << ": names '" << word
                      << "', which is not part of the repository; point at docs/ instead";
      }
  }
}

}  // namespace
