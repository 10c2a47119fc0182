//! What an argv finally runs, read the way each program on the way reads its own arguments.
//!
//! A wrapper (`env`, `timeout`, `nice`, `setsid`, `stdbuf`, `xargs`, `find -exec`, …) starts
//! the program named by a later word: the walk skips the wrapper's options, knowing which
//! ones take a value, and its operands, and goes on with that program. It ends at a program
//! that is no wrapper, and reports when that program is handed code as text: a shell given
//! a command string (or a wrapper that hands one to a shell: `flock -c`, `watch`, `script
//! -c`, awk's `system()` and pipes) or an interpreter given its code inline (`python -c`,
//! `node -e`, `perl -e`, …).
//!
//! Options are read as getopt reads them for these programs: short options clustered, a value
//! attached or in the next word, `--long=value` or `--long value`, and the options ending at
//! `--` or at the first operand. An option the tables do not know is taken for a flag.

use std::path::Path;

/// How deep wrappers may nest before the walk gives up and says so.
const MAX_DEPTH: usize = 16;

/// Which promise of the argv the code breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HazardKind {
    /// A shell parses a string: words, globs, pipes and redirections no argv shows.
    ShellString,
    /// Program text in the manifest, which the syntax check, the linters and the source scan
    /// never read (they read the tool's files).
    InlineCode,
    /// Wrappers nested deeper than the walk follows: what finally runs is not known.
    TooDeep,
}

/// Code an argv hands to a program as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hazard {
    pub(crate) kind: HazardKind,
    /// What runs it, for the reader: "`sh -c`", "`python3 -c`".
    pub(crate) what: String,
    /// The wrappers it runs behind, outermost first.
    pub(crate) through: Vec<String>,
    /// The index in the argv of the word that gives the code away.
    pub(crate) at: usize,
}

/// Every hazard of `argv`, through its wrappers.
pub(crate) fn hazards(argv: &[String]) -> Vec<Hazard> {
    let words: Vec<Word> = argv
        .iter()
        .enumerate()
        .map(|(at, text)| Word {
            text: text.clone(),
            at,
        })
        .collect();
    let mut found = Vec::new();
    walk(&words, &[], &mut found);
    found
}

/// One word of the argv; words split out of an `env -S` string keep the string's index.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    at: usize,
}

/// Follows `words` through its wrappers to the program that runs.
fn walk(words: &[Word], through: &[String], found: &mut Vec<Hazard>) {
    let Some((first, rest)) = words.split_first() else {
        return;
    };
    // A relative path names a file of the tool (bare names are looked up on PATH): its
    // arguments are its own, and its code is read by the source checks.
    if first.text.contains('/') && !first.text.starts_with('/') {
        return;
    }
    let name = file_name(&first.text);
    let hazard = |kind, what: String, at| Hazard {
        kind,
        what,
        through: through.to_vec(),
        at,
    };
    if through.len() >= MAX_DEPTH {
        found.push(Hazard {
            kind: HazardKind::TooDeep,
            what: format!("`{name}` behind more than {MAX_DEPTH} wrappers"),
            through: Vec::new(),
            at: first.at,
        });
        return;
    }
    if let Some(runner) = CODE_RUNNERS
        .iter()
        .find(|r| r.names.contains(&family(&name)))
    {
        if let Some((option, at)) = runner.code_option(rest) {
            found.push(hazard(runner.kind, format!("`{name} {option}`"), at));
        }
        return;
    }
    if AWKS.contains(&name.as_str()) {
        if let Some(at) = awk_runs_commands(rest) {
            let what = format!("`{name}` with a program that runs commands (system() or a pipe)");
            found.push(hazard(HazardKind::ShellString, what, at));
        }
        return;
    }
    let Some(started) = started_by(&name, rest) else {
        return;
    };
    let mut behind = through.to_vec();
    behind.push(name.clone());
    for next in started {
        match next {
            Next::Command(command) => walk(&command, &behind, found),
            Next::ShellString { what, at } => {
                found.push(hazard(HazardKind::ShellString, what, at));
            }
        }
    }
}

/// What a wrapper starts.
enum Next {
    Command(Vec<Word>),
    /// It hands the word at `at` to a shell as a command string.
    ShellString {
        what: String,
        at: usize,
    },
}

/// What the wrapper `name` starts with `args`; `None` when `name` is no wrapper.
fn started_by(name: &str, args: &[Word]) -> Option<Vec<Next>> {
    let started = match name {
        "env" => vec![Next::Command(env_command(args))],
        // The applet comes first, then its own arguments.
        "busybox" | "toybox" => match args.first() {
            Some(applet) if !applet.text.starts_with('-') => vec![Next::Command(args.to_vec())],
            _ => Vec::new(),
        },
        "find" => find_commands(args),
        "flock" => flock_command(args),
        "watch" => watch_command(args),
        "script" => script_command(args),
        _ => {
            let wrapper = WRAPPERS.iter().find(|w| w.names.contains(&name))?;
            wrapper.command(args).into_iter().collect()
        }
    };
    Some(started)
}

/// How a program reads its options.
struct Grammar {
    /// getopt's letters: `x` a flag, `x:` a value (the rest of the word, else the next word),
    /// `x::` a value only when attached, `x#` only the digits that follow.
    short: &'static str,
    /// Long options whose value may be the next word (`--signal KILL`).
    long_valued: &'static [&'static str],
    /// Options after which every word is an operand (`python -m module`).
    last: &'static [&'static str],
    /// Whether `+x` is an option too (shells: `+o pipefail`).
    plus: bool,
}

impl Grammar {
    const fn short(short: &'static str) -> Self {
        Grammar {
            short,
            long_valued: &[],
            last: &[],
            plus: false,
        }
    }

    const fn long(short: &'static str, long_valued: &'static [&'static str]) -> Self {
        Grammar {
            short,
            long_valued,
            last: &[],
            plus: false,
        }
    }

    fn takes(&self, letter: char) -> Takes {
        let spec = self.short.as_bytes();
        let Some(i) = self.short.find(letter) else {
            return Takes::Nothing;
        };
        let after = |n: usize| spec.get(i + letter.len_utf8() + n).copied();
        match (after(0), after(1)) {
            (Some(b':'), Some(b':')) => Takes::Attached,
            (Some(b':'), _) => Takes::Value,
            (Some(b'#'), _) => Takes::Digits,
            _ => Takes::Nothing,
        }
    }
}

/// How a short option reads its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    Nothing,
    Value,
    Attached,
    Digits,
}

/// One option as read: its name as written (`-c`, `--eval`), its value, its word's index.
#[derive(Debug, Clone)]
struct Opt {
    name: String,
    value: Option<String>,
    at: usize,
}

/// What the word at the front of `words` is.
enum Read {
    /// Options, and how many words they took.
    Options(Vec<Opt>, usize),
    /// `--`: the options end, the operands start after it.
    End,
    /// An operand: the options ended before it.
    Operand,
}

/// Reads the word at the front of `words` as an option word, an end of options or an
/// operand.
fn read_word(words: &[Word], grammar: &Grammar) -> Read {
    let Some(word) = words.first() else {
        return Read::Operand;
    };
    let text = word.text.as_str();
    if text == "--" {
        return Read::End;
    }
    if let Some(long) = text.strip_prefix("--") {
        let (name, attached) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (long, None),
        };
        let (value, used) = match attached {
            Some(value) => (Some(value), 1),
            None if grammar.long_valued.contains(&name) => {
                (words.get(1).map(|w| w.text.clone()), 2)
            }
            None => (None, 1),
        };
        let opt = Opt {
            name: format!("--{name}"),
            value,
            at: word.at,
        };
        return Read::Options(vec![opt], used);
    }
    let sign = match text.chars().next() {
        Some(sign @ '-') => sign,
        Some(sign @ '+') if grammar.plus => sign,
        _ => return Read::Operand,
    };
    if text.len() == 1 {
        // `-` alone names stdin: an operand.
        return Read::Operand;
    }
    let mut opts = Vec::new();
    let mut used = 1;
    let cluster = &text[1..];
    let mut chars = cluster.char_indices();
    while let Some((i, letter)) = chars.next() {
        let rest = &cluster[i + letter.len_utf8()..];
        let name = format!("{sign}{letter}");
        let value = match grammar.takes(letter) {
            Takes::Nothing => None,
            Takes::Digits => {
                let digits = digits_at(rest);
                for _ in 0..digits.chars().count() {
                    chars.next();
                }
                Some(digits.to_string())
            }
            Takes::Attached => {
                opts.push(opt_at(name, Some(rest.to_string()), word.at));
                break;
            }
            Takes::Value if !rest.is_empty() => {
                opts.push(opt_at(name, Some(rest.to_string()), word.at));
                break;
            }
            Takes::Value => {
                used = 2;
                opts.push(opt_at(name, words.get(1).map(|w| w.text.clone()), word.at));
                break;
            }
        };
        opts.push(opt_at(name, value, word.at));
    }
    Read::Options(opts, used)
}

fn opt_at(name: String, value: Option<String>, at: usize) -> Opt {
    Opt { name, value, at }
}

/// The number at the front of `text`: octal digits, or `x` and hex digits (`perl -0777`,
/// `-0x1F`).
fn digits_at(text: &str) -> &str {
    let end = match text.strip_prefix('x') {
        Some(hex) => 1 + hex.chars().take_while(char::is_ascii_hexdigit).count(),
        None => text.chars().take_while(char::is_ascii_digit).count(),
    };
    &text[..end]
}

/// The options at the front of `words` and the index of the first operand.
fn read_options(words: &[Word], grammar: &Grammar) -> (Vec<Opt>, usize) {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match read_word(&words[i..], grammar) {
            Read::End => return (opts, i + 1),
            Read::Operand => return (opts, i),
            Read::Options(read, used) => {
                i += used;
                let last = read.iter().any(|o| grammar.last.contains(&o.name.as_str()));
                opts.extend(read);
                if last {
                    break;
                }
            }
        }
    }
    (opts, i.min(words.len()))
}

/// A program that starts the program named after its options and operands.
struct Wrapper {
    names: &'static [&'static str],
    grammar: Grammar,
    /// Operands before the command: `timeout`'s duration, `taskset`'s mask, `chrt`'s priority.
    operands: usize,
    /// Options that make it act on a running process instead of starting one (`-p PID`).
    no_command: &'static [&'static str],
}

impl Wrapper {
    fn command(&self, args: &[Word]) -> Option<Next> {
        let (opts, first) = read_options(args, &self.grammar);
        if opts
            .iter()
            .any(|o| self.no_command.contains(&o.name.as_str()))
        {
            return None;
        }
        let command = args.get(first + self.operands..)?;
        (!command.is_empty()).then(|| Next::Command(command.to_vec()))
    }
}

/// The wrappers besides those read by a function of their own (`env`, `busybox`, `find`,
/// `flock`, `watch`, `script`).
const WRAPPERS: &[Wrapper] = &[
    Wrapper {
        names: &["timeout"],
        grammar: Grammar::long("k:s:", &["kill-after", "signal"]),
        operands: 1,
        no_command: &[],
    },
    Wrapper {
        names: &["nice"],
        grammar: Grammar::long("n:", &["adjustment"]),
        operands: 0,
        no_command: &[],
    },
    Wrapper {
        names: &["nohup", "setsid"],
        grammar: Grammar::short(""),
        operands: 0,
        no_command: &[],
    },
    Wrapper {
        names: &["stdbuf"],
        grammar: Grammar::long("i:o:e:", &["input", "output", "error"]),
        operands: 0,
        no_command: &[],
    },
    Wrapper {
        names: &["ionice"],
        grammar: Grammar::long("c:n:p:P:u:", &["class", "classdata", "pid", "pgid", "uid"]),
        operands: 0,
        no_command: &["-p", "-P", "-u", "--pid", "--pgid", "--uid"],
    },
    Wrapper {
        names: &["taskset"],
        grammar: Grammar::short(""),
        operands: 1,
        no_command: &["-p", "--pid"],
    },
    Wrapper {
        names: &["chrt"],
        grammar: Grammar::long(
            "T:P:D:",
            &["sched-runtime", "sched-period", "sched-deadline"],
        ),
        operands: 1,
        no_command: &["-p", "--pid", "-m", "--max"],
    },
    Wrapper {
        names: &["time"],
        grammar: Grammar::long("f:o:", &["format", "output"]),
        operands: 0,
        no_command: &[],
    },
    Wrapper {
        names: &["xargs"],
        grammar: Grammar::long(
            "a:d:E:I:L:n:P:s:e::i::l::",
            &[
                "arg-file",
                "delimiter",
                "max-args",
                "max-procs",
                "max-chars",
                "process-slot-var",
            ],
        ),
        operands: 0,
        no_command: &[],
    },
    Wrapper {
        names: &["setpriv"],
        grammar: Grammar::long(
            "",
            &[
                "reuid",
                "regid",
                "ruid",
                "rgid",
                "euid",
                "egid",
                "groups",
                "inh-caps",
                "ambient-caps",
                "bounding-set",
                "securebits",
                "pdeathsig",
                "selinux-label",
                "apparmor-profile",
                "landlock-access",
                "landlock-rule",
            ],
        ),
        operands: 0,
        no_command: &[],
    },
    Wrapper {
        names: &["prlimit"],
        grammar: Grammar::long(
            "p:o:a::c::d::e::f::i::l::m::n::q::r::s::t::u::v::x::y::",
            &["pid", "output"],
        ),
        operands: 0,
        no_command: &["-p", "--pid"],
    },
];

const ENV_GRAMMAR: Grammar =
    Grammar::long("a:u:C:S:P:", &["argv0", "unset", "chdir", "split-string"]);

/// What `env` runs: after its options (an `-S` string split into words and read as more
/// arguments, as env does) and its `NAME=VALUE` assignments.
fn env_command(args: &[Word]) -> Vec<Word> {
    let mut words = args.to_vec();
    let mut i = 0;
    loop {
        // `env -` is `env -i`.
        if words.get(i).is_some_and(|w| w.text == "-") {
            i += 1;
            continue;
        }
        match read_word(&words[i..], &ENV_GRAMMAR) {
            Read::End => {
                i += 1;
                break;
            }
            Read::Operand => break,
            Read::Options(opts, used) => {
                let split = opts
                    .iter()
                    .find(|o| o.name == "-S" || o.name == "--split-string");
                match split {
                    Some(opt) => {
                        let at = opt.at;
                        let text = opt.value.clone().unwrap_or_default();
                        let rest = words.split_off((i + used).min(words.len()));
                        words.truncate(i);
                        words.extend(
                            split_string(&text)
                                .into_iter()
                                .map(|text| Word { text, at }),
                        );
                        words.extend(rest);
                    }
                    None => i += used,
                }
            }
        }
        if i >= words.len() {
            break;
        }
    }
    let assignments = words
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|w| w.text.contains('='))
        .count();
    words.get(i + assignments..).unwrap_or_default().to_vec()
}

/// `env -S`'s splitting: words at whitespace, with single quotes, double quotes and
/// backslashes as env reads them.
fn split_string(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (Some(open), c) if c == open => quote = None,
            (None | Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_default().push(next);
                }
            }
            (_, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
}

/// The commands of `find`'s `-exec`, `-execdir`, `-ok` and `-okdir`: each up to its `;`, or
/// its `+` right after `{}`.
fn find_commands(args: &[Word]) -> Vec<Next> {
    let mut started = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let starts = matches!(
            args[i].text.as_str(),
            "-exec" | "-execdir" | "-ok" | "-okdir"
        );
        i += 1;
        if !starts {
            continue;
        }
        let command_start = i;
        while i < args.len() {
            let ends = args[i].text == ";" || (args[i].text == "+" && args[i - 1].text == "{}");
            if ends {
                break;
            }
            i += 1;
        }
        started.push(Next::Command(args[command_start..i].to_vec()));
    }
    started
}

/// `flock [options] FILE COMMAND…`, or `flock [options] FILE -c STRING`, which runs the
/// string with `sh -c`.
fn flock_command(args: &[Word]) -> Vec<Next> {
    let grammar = Grammar::long("w:E:", &["timeout", "wait", "conflict-exit-code"]);
    let (_, first) = read_options(args, &grammar);
    let after_file = args.get(first + 1..).unwrap_or_default();
    match after_file.first() {
        Some(word) if word.text == "-c" || word.text == "--command" => vec![Next::ShellString {
            what: format!("`flock {}`", word.text),
            at: word.at,
        }],
        Some(_) => vec![Next::Command(after_file.to_vec())],
        None => Vec::new(),
    }
}

/// `watch` joins its command into one string for `sh -c`, unless `-x` / `--exec`.
fn watch_command(args: &[Word]) -> Vec<Next> {
    let grammar = Grammar::long("n:q:d::", &["interval", "equexit"]);
    let (opts, first) = read_options(args, &grammar);
    let Some(command) = args.get(first..).filter(|c| !c.is_empty()) else {
        return Vec::new();
    };
    if opts.iter().any(|o| o.name == "-x" || o.name == "--exec") {
        vec![Next::Command(command.to_vec())]
    } else {
        vec![Next::ShellString {
            what: "`watch` without -x (it runs its command through `sh -c`)".to_string(),
            at: command[0].at,
        }]
    }
}

/// `script -c STRING` runs the string with the user's shell. script reads options anywhere
/// among its words (`script -q /dev/null -c id`).
fn script_command(args: &[Word]) -> Vec<Next> {
    let grammar = Grammar::long(
        "B:c:E:I:O:T:m:t::",
        &[
            "command",
            "log-io",
            "log-in",
            "log-out",
            "log-timing",
            "echo",
            "logging-format",
        ],
    );
    let mut i = 0;
    while i < args.len() {
        match read_word(&args[i..], &grammar) {
            Read::End => break,
            Read::Operand => i += 1,
            Read::Options(opts, used) => {
                if let Some(opt) = opts
                    .iter()
                    .find(|o| o.name == "-c" || o.name == "--command")
                {
                    return vec![Next::ShellString {
                        what: format!("`script {}`", opt.name),
                        at: opt.at,
                    }];
                }
                i += used;
            }
        }
    }
    Vec::new()
}

/// A shell or an interpreter, and the options that hand it code as text.
struct CodeRunner {
    /// Names without a version suffix (`python3.12` is `python`).
    names: &'static [&'static str],
    grammar: Grammar,
    code: &'static [&'static str],
    /// Subcommands whose operand is code (`deno eval`).
    code_commands: &'static [&'static str],
    kind: HazardKind,
}

impl CodeRunner {
    /// The option (or subcommand) that hands it code, and its index.
    fn code_option(&self, args: &[Word]) -> Option<(String, usize)> {
        let (opts, first) = read_options(args, &self.grammar);
        if let Some(opt) = opts.iter().find(|o| self.code.contains(&o.name.as_str())) {
            return Some((opt.name.clone(), opt.at));
        }
        let operand = args.get(first)?;
        self.code_commands
            .contains(&operand.text.as_str())
            .then(|| (operand.text.clone(), operand.at))
    }
}

const CODE_RUNNERS: &[CodeRunner] = &[
    CodeRunner {
        names: &[
            "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "ash", "yash", "posh", "fish",
            "csh", "tcsh", "rbash",
        ],
        // `-c` is a flag: the first operand is then the command string.
        grammar: Grammar {
            short: "o:O:",
            long_valued: &["rcfile", "init-file"],
            last: &[],
            plus: true,
        },
        code: &["-c", "--command"],
        code_commands: &[],
        kind: HazardKind::ShellString,
    },
    CodeRunner {
        names: &["python", "pypy"],
        grammar: Grammar {
            short: "c:m:W:X:Q:",
            long_valued: &["check-hash-based-pycs"],
            last: &["-m"],
            plus: false,
        },
        code: &["-c"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["node", "nodejs", "bun"],
        grammar: Grammar::long(
            "e:p:r:C:",
            &[
                "eval",
                "print",
                "require",
                "import",
                "loader",
                "experimental-loader",
                "input-type",
                "conditions",
                "title",
                "env-file",
            ],
        ),
        code: &["-e", "-p", "--eval", "--print"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["deno"],
        grammar: Grammar::short(""),
        code: &[],
        code_commands: &["eval"],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["perl"],
        grammar: Grammar::short("e:E:I:M:m:x::i::0#l#C::d::D::F::V::"),
        code: &["-e", "-E"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["ruby"],
        grammar: Grammar::long(
            "e:E:I:r:C:0#F::i::x::T::W::K::",
            &["encoding", "external-encoding", "internal-encoding"],
        ),
        code: &["-e"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["php"],
        grammar: Grammar::short("r:B:R:E:F:f:c:d:z:t:S:"),
        code: &["-r", "-B", "-R", "-E"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["lua", "luajit"],
        grammar: Grammar::short("e:l:j:O::"),
        code: &["-e"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
    CodeRunner {
        names: &["Rscript", "julia"],
        grammar: Grammar::long("e:E:L:J:", &["eval", "print"]),
        code: &["-e", "-E", "--eval", "--print"],
        code_commands: &[],
        kind: HazardKind::InlineCode,
    },
];

const AWKS: &[&str] = &["awk", "gawk", "mawk", "nawk", "original-awk"];

const AWK_GRAMMAR: Grammar = Grammar::long(
    "f:v:F:e:E:i:l:W:d::D::L::o::p::",
    &[
        "file",
        "assign",
        "field-separator",
        "source",
        "include",
        "load",
        "exec",
    ],
);

/// The index of an awk program (the first operand, unless `-f` names a file; `-e` and
/// `--source` texts too) that runs commands: `system()`, or a pipe to or from a command
/// (`print | "cmd"`, `"cmd" | getline`, `|&`), both of which go through `sh -c`.
fn awk_runs_commands(args: &[Word]) -> Option<usize> {
    let (opts, first) = read_options(args, &AWK_GRAMMAR);
    let from_file = opts
        .iter()
        .any(|o| ["-f", "-E", "--file", "--exec"].contains(&o.name.as_str()));
    let inline = opts
        .iter()
        .filter(|o| ["-e", "--source"].contains(&o.name.as_str()))
        .filter_map(|o| Some((o.value.as_deref()?, o.at)));
    let program = args
        .get(first)
        .filter(|_| !from_file)
        .map(|w| (w.text.as_str(), w.at));
    inline
        .chain(program)
        .find(|(text, _)| awk_text_runs_commands(text))
        .map(|(_, at)| at)
}

/// Whether awk program text calls `system(` or has a `|` that is no `||`, outside its string
/// and regex literals.
fn awk_text_runs_commands(text: &str) -> bool {
    let code = awk_code_only(text);
    let calls_system = code.match_indices("system").any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let word_start = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        word_start && code[i + "system".len()..].trim_start().starts_with('(')
    });
    let pipes = code
        .match_indices('|')
        .any(|(i, _)| !code[..i].ends_with('|') && !code[i + 1..].starts_with('|'));
    calls_system || pipes
}

/// awk text with its string and regex literals blanked out. A `/` opens a regex where a
/// value cannot end before it (after an operator, a bracket or the start), else it divides.
fn awk_code_only(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut last = None::<char>;
    while let Some(c) = chars.next() {
        let regex = c == '/' && !last.is_some_and(|l| l.is_alphanumeric() || "_)]$".contains(l));
        if c == '"' || regex {
            let close = c;
            let mut bracket = false;
            while let Some(inner) = chars.next() {
                match inner {
                    '\\' => {
                        chars.next();
                    }
                    '[' if close == '/' => bracket = true,
                    ']' => bracket = false,
                    inner if inner == close && !bracket => break,
                    _ => {}
                }
            }
            code.push(' ');
            last = Some(close);
            continue;
        }
        code.push(c);
        if !c.is_whitespace() {
            last = Some(c);
        }
    }
    code
}

fn file_name(program: &str) -> String {
    Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A program's name without its version suffix: `python3.12` → `python`, `perl5.36` → `perl`.
fn family(name: &str) -> &str {
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if trimmed.is_empty() { name } else { trimmed }
}
