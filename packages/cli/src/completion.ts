import type { Command, Option } from "commander";

/** One command of the tree: its words after `kubedump`, its subcommands and its flags. */
interface CommandSpec {
  path: string;
  subcommands: { name: string; description: string }[];
  flags: FlagSpec[];
}

interface FlagSpec {
  names: string[];
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
}

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const HELP: FlagSpec = { names: ["-h", "--help"], description: "show help", takesValue: false };

function flagOf(o: Option): FlagSpec {
  return {
    names: [o.short, o.long].filter((n): n is string => Boolean(n)),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
  };
}

/**
 * Every command of the program, the program itself first (path ""). The choices of a command's
 * first argument (`completion <shell>`) are completed as its subcommands are.
 */
function specsOf(program: Command): CommandSpec[] {
  const walk = (cmd: Command, path: string): CommandSpec[] => {
    const subs = cmd.commands.filter((c) => c.name() !== "help");
    const argument = cmd.registeredArguments[0];
    const choices = (argument?.argChoices ?? []).map((name) => ({ name, description: argument?.description ?? "" }));
    const own: CommandSpec = {
      path,
      subcommands: [...subs.map((c) => ({ name: c.name(), description: c.description() })), ...choices],
      flags: [...cmd.options.filter((o) => !o.hidden).map(flagOf), HELP],
    };
    return [own, ...subs.flatMap((c) => walk(c, path ? `${path} ${c.name()}` : c.name()))];
  };
  return walk(program, "");
}

/** The completion script of `shell` for the program's commands and flags. */
export function completionScript(program: Command, shell: Shell): string {
  const specs = specsOf(program);
  const name = program.name();
  if (shell === "fish") return fishScript(name, specs);
  return shell === "bash" ? bashScript(name, specs) : zshScript(name, specs);
}

/** A POSIX-shell `case` on the command path (and flag): each arm echoes a word list. */
function caseArms(arms: [pattern: string, words: string][]): string {
  return arms
    .filter(([, words]) => words)
    .map(([pattern, words]) => `    ${pattern}) echo ${JSON.stringify(words)} ;;`)
    .join("\n");
}

/** Helper functions both bash and zsh scripts call: subcommands, flags, flags with a value, choices. */
function helpers(fn: string, specs: CommandSpec[]): string {
  const q = (s: string) => JSON.stringify(s);
  const valued = (s: CommandSpec) => s.flags.filter((f) => f.takesValue).flatMap((f) => f.names);
  const choices = specs.flatMap((s) =>
    s.flags
      .filter((f) => f.choices?.length)
      .map((f): [string, string] => [f.names.map((n) => q(`${s.path} ${n}`)).join("|"), f.choices!.join(" ")]),
  );
  return [
    `${fn}_subcommands() {\n  case "$1" in\n${caseArms(specs.map((s) => [q(s.path), s.subcommands.map((c) => c.name).join(" ")]))}\n  esac\n}`,
    `${fn}_flags() {\n  case "$1" in\n${caseArms(specs.map((s) => [q(s.path), s.flags.flatMap((f) => f.names).join(" ")]))}\n  esac\n}`,
    `${fn}_valued() {\n  case "$1" in\n${caseArms(specs.map((s) => [q(s.path), valued(s).join(" ")]))}\n  esac\n}`,
    `${fn}_choices() {\n  case "$1 $2" in\n${caseArms(choices)}\n  esac\n}`,
  ].join("\n");
}

/** How bash and zsh differ: where the words are, and how candidates and file names are offered. */
interface Dialect {
  /** The array of the command line's words, the index of the cursor's, and the index of the first after the command. */
  words: string;
  cursor: string;
  first: number;
  /** The body of `<fn>_offer <words>` and of `<fn>_files`. */
  offer: string;
  files: string;
}

const BASH: Dialect = {
  words: "COMP_WORDS",
  cursor: "COMP_CWORD",
  first: 1,
  offer: 'COMPREPLY=($(compgen -W "$1" -- "$cur"))',
  files: 'COMPREPLY=($(compgen -f -- "$cur"))',
};
const ZSH: Dialect = { words: "words", cursor: "CURRENT", first: 2, offer: `compadd -- \${=1}`, files: "_files" };

/**
 * The completion function: a walk over the words before the cursor (a flag that takes a value
 * skips it; a subcommand of the path so far extends `cmdpath`, which the helpers' `case` arms
 * match), then the choices or file names of a flag's value, the flags, or the subcommands.
 */
function completionFunction(fn: string, d: Dialect): string {
  const word = (i: string) => `\${${d.words}[${i}]}`;
  return `${fn}() {
  local cur="${word(d.cursor)}" prev="${word(`${d.cursor}-1`)}"
  local cmdpath="" w i skip=0
  for ((i = ${d.first}; i < ${d.cursor}; i++)); do
    w="${word("i")}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      -*=*) ;;
      -*) [[ " $(${fn}_valued "$cmdpath") " == *" $w "* ]] && skip=1 ;;
      *) [[ " $(${fn}_subcommands "$cmdpath") " == *" $w "* ]] && cmdpath="\${cmdpath:+$cmdpath }$w" ;;
    esac
  done
  if [[ " $(${fn}_valued "$cmdpath") " == *" $prev "* ]]; then
    local choices
    choices="$(${fn}_choices "$cmdpath" "$prev")"
    if [[ -n "$choices" ]]; then ${fn}_offer "$choices"; else ${fn}_files; fi
  elif [[ "$cur" == -* ]]; then
    ${fn}_offer "$(${fn}_flags "$cmdpath")"
  else
    ${fn}_offer "$(${fn}_subcommands "$cmdpath")"
  fi
}
${fn}_offer() { ${d.offer}; }
${fn}_files() { ${d.files}; }`;
}

function bashScript(name: string, specs: CommandSpec[]): string {
  const fn = `_${name.replace(/\W/g, "_")}`;
  return `# bash completion for ${name}: \`source <(${name} completion bash)\` in ~/.bashrc, or
# \`${name} completion bash > /etc/bash_completion.d/${name}\`
${completionFunction(fn, BASH)}
${helpers(fn, specs)}
complete -o default -F ${fn} ${name}
`;
}

function zshScript(name: string, specs: CommandSpec[]): string {
  const fn = `_${name.replace(/\W/g, "_")}`;
  return `#compdef ${name}
# zsh completion for ${name}: \`source <(${name} completion zsh)\` in ~/.zshrc (after compinit), or
# \`${name} completion zsh > "\${fpath[1]}/_${name}"\`
${completionFunction(fn, ZSH)}
${helpers(fn, specs)}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then ${fn} "$@"; else compdef ${fn} ${name}; fi
`;
}

/** A fish string: single quotes, with \\ and ' escaped; the description's first clause only. */
function fishText(s: string): string {
  const short = s.split(/[;:(]/)[0]!.trim();
  return `'${short.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function fishScript(name: string, specs: CommandSpec[]): string {
  const lines = [
    `# fish completion for ${name}: \`${name} completion fish | source\`, or`,
    `# \`${name} completion fish > ~/.config/fish/completions/${name}.fish\``,
    `complete -c ${name} -f`,
  ];
  const inPath = (path: string) => {
    if (!path) return "__fish_use_subcommand";
    const words = path.split(" ");
    return words.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and ");
  };
  for (const spec of specs) {
    const subs = spec.subcommands.map((c) => c.name).join(" ");
    const here =
      spec.path && subs ? `${inPath(spec.path)}; and not __fish_seen_subcommand_from ${subs}` : inPath(spec.path);
    for (const c of spec.subcommands)
      lines.push(`complete -c ${name} -n '${here}' -a ${c.name} -d ${fishText(c.description)}`);
    for (const f of spec.flags) {
      const names = f.names.map((n) => (n.startsWith("--") ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(" ");
      const value = !f.takesValue ? "" : f.choices?.length ? ` -x -a '${f.choices.join(" ")}'` : " -r -F";
      lines.push(`complete -c ${name} -n '${here}' ${names}${value} -d ${fishText(f.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
