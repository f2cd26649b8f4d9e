// kelpie completion bash|zsh|fish: a completion script for the shell. Commands and their
// flags come from the Command objects themselves (names, options, usage lines); service names
// come from the running daemon at completion time, through `kelpie status --json`.
import type { Command } from '../command.js';
import { usage as usageError } from '../output.js';
import { check } from './check.js';
import { disable, enable, restart, start, stop } from './control.js';
import { doctor } from './doctor.js';
import { down } from './down.js';
import { graph } from './graph.js';
import { importCommand } from './import.js';
import { init } from './init.js';
import { logs } from './logs.js';
import { add, reload, remove } from './reload.js';
import { run } from './run.js';
import { signal } from './signal.js';
import { status } from './status.js';
import { trigger } from './trigger.js';
import { up } from './up.js';
import { upgrade } from './upgrade.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a word is completed with. `words:a,b,c` is a fixed list. */
export type Kind = 'service' | 'file' | 'dir' | 'command' | 'signal' | 'none' | `words:${string}`;

/** One command as the completion scripts see it. */
export interface Spec {
  readonly name: string;
  readonly summary: string;
  readonly flags: ReadonlyArray<{ readonly long: string; readonly short?: string; readonly value: Kind | null }>;
  /** What each positional argument is; the last repeats when `variadic`. */
  readonly args: readonly Kind[];
  readonly variadic: boolean;
}

/** Flags every command takes (src/cli/main.ts). `-f` is the config everywhere but in `logs`. */
export const GLOBAL_FLAGS: Spec['flags'] = [
  { long: 'file', short: 'f', value: 'file' },
  { long: 'home', value: 'dir' },
  { long: 'cap', value: 'file' },
  { long: 'remote', short: 'r', value: 'none' },
  { long: 'json', value: null },
  { long: 'no-color', value: null },
  { long: 'help', short: 'h', value: null },
];

const SIGNALS = ['HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'USR2', 'TERM', 'CONT', 'STOP', 'WINCH', 'ALRM'];

/** The commands main.ts registers, plus the four of the adoption work (completion itself is added). */
export const KNOWN_COMMANDS: readonly Command[] = [up, down, status, start, stop, restart, reload, logs, signal, enable, disable, add, remove, run, trigger, graph, upgrade, check, importCommand, init, doctor];

function argKind(token: string): Kind {
  const t = token.replace(/[[\]{}()]|…|\.\.\./g, '');
  if (/^[a-z0-9-]+(\|[a-z0-9-]+)+$/.test(t)) return `words:${t.split('|').join(',')}`;
  switch (t) {
    case 'SVC':
    case 'SERVICE':
    case 'TIMER':
      return 'service';
    case 'FILE':
    case 'OUT':
    case 'PATH':
    case 'ARGS':
      return 'file';
    case 'DIR':
      return 'dir';
    case 'SIGNAL':
    case 'SIG':
      return 'signal';
    case 'CMD':
      return 'command';
    default:
      return 'none';
  }
}

/** A command's flags and positional arguments, read from its options and usage line. */
export function specOf(cmd: Command): Spec {
  const flags = Object.entries(cmd.options ?? {}).map(([long, o]) => {
    let value: Kind | null = null;
    if (o.type === 'string') {
      const listed = new RegExp(`--${long}[ =]([a-z0-9-]+(?:\\|[a-z0-9-]+)+)`).exec(cmd.usage)?.[1];
      if (listed) value = `words:${listed.split('|').join(',')}`;
      else if (['file', 'output', 'config'].includes(long)) value = 'file';
      else if (['home', 'cwd', 'dir'].includes(long)) value = 'dir';
      else if (['defer', 'service'].includes(long)) value = 'service';
      else value = 'none';
    }
    return { long, ...(o.short ? { short: o.short } : {}), value };
  });
  const args: Kind[] = [];
  let variadic = false;
  const tokens = cmd.usage.split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === '|' || tok === '--') continue;
    if (tok.startsWith('-') || tok.startsWith('[-')) {
      // an option and its value: "[-n N]", "[--format text|dot]", "--all"
      if (tok.startsWith('[') && !tok.includes(']')) while (i + 1 < tokens.length && !tokens[i]!.includes(']')) i++;
      continue;
    }
    args.push(argKind(tok));
    if (/…|\.\.\./.test(tok)) variadic = true;
  }
  return { name: cmd.name, summary: cmd.summary, flags, args, variadic };
}

/** The script for `shell`, completing `commands`. */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  const specs = commands.map(specOf);
  if (shell === 'bash') return bashScript(specs);
  if (shell === 'zsh') return zshScript(specs);
  return fishScript(specs);
}

const spellings = (f: Spec['flags'][number]): string[] => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])];
const globalWords = GLOBAL_FLAGS.flatMap(spellings).join(' ');
const SED = `sed -n 's/^ *"name": *"\\([^"]*\\)".*/\\1/p'`;

/** Options of `spec` that take a value, as "verb -x" pairs (for counting positionals). */
function valued(specs: readonly Spec[]): string[] {
  return specs.flatMap((s) => s.flags.filter((f) => f.value !== null).flatMap((f) => spellings(f).map((w) => `${s.name} ${w}`)));
}

function bashComplete(kind: Kind): string {
  switch (kind) {
    case 'service':
      return 'COMPREPLY=($(compgen -W "$(_kelpie_services)" -- "$cur"))';
    case 'file':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
    case 'dir':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';
    case 'command':
      return 'COMPREPLY=($(compgen -c -- "$cur"))';
    case 'signal':
      return `COMPREPLY=($(compgen -W "${SIGNALS.join(' ')}" -- "$cur"))`;
    case 'none':
      return 'COMPREPLY=()';
    default:
      return `COMPREPLY=($(compgen -W "${kind.slice(6).split(',').join(' ')}" -- "$cur"))`;
  }
}

function bashScript(specs: readonly Spec[]): string {
  const arms = specs.map((s) => {
    const own = s.flags.flatMap(spellings).join(' ');
    const values = s.flags
      .filter((f) => f.value !== null && !(s.name === 'logs' && f.short === 'f'))
      .map((f) => `        ${spellings(f).join('|')}) ${bashComplete(f.value!)}; return ;;`);
    const kinds = s.args.map((k) => `'${k}'`).join(' ');
    return [
      `    ${s.name})`,
      ...(values.length ? ['      case $prev in', ...values, '      esac'] : []),
      `      words="${own}"; kinds=(${kinds}); variadic=${s.variadic ? 1 : 0}`,
      '      ;;',
    ].join('\n');
  });
  const takes = valued(specs).map((p) => `"${p}"`).join('|');
  return `# bash completion for kelpie.
#   this shell:   source <(kelpie completion bash)
#   every shell:  kelpie completion bash > ~/.local/share/bash-completion/completions/kelpie
# Service names come from the running daemon (kelpie status --json), found as kelpie
# itself would find it from the -f/--home given on the command line.

_kelpie_services() {
  local bin=\${COMP_WORDS[0]} i
  local -a args=()
  [[ $bin == "~/"* ]] && bin=$HOME/\${bin#"~/"}
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --file|--home|--cap) args+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}"); ((i++)) ;;
      -f) if [[ $_kelpie_verb != logs ]] || ((i < _kelpie_verb_at)); then args+=(-f "\${COMP_WORDS[i+1]}"); ((i++)); fi ;;
    esac
  done
  "$bin" \${args[@]+"\${args[@]}"} status --json 2>/dev/null | ${SED}
}

_kelpie_takes_value() {
  case "$1 $2" in
    "logs -f") return 1 ;;
    ${takes ? `${takes}) return 0 ;;` : ''}
    *" -f"|*" --file"|*" --home"|*" --cap") return 0 ;;
  esac
  return 1
}

_kelpie() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local verb= verb_at=0 i=1 w words kind pos=0 variadic=0
  local -a kinds=()
  COMPREPLY=()
  while ((i < COMP_CWORD)); do
    w=\${COMP_WORDS[i]}
    case $w in
      -f|--file|--home|--cap) ((i += 2)); continue ;;
      -*) ;;
      *) verb=$w; verb_at=$i; break ;;
    esac
    ((i++))
  done
  _kelpie_verb=$verb _kelpie_verb_at=$verb_at
  case $prev in
    --home) ${bashComplete('dir')}; return ;;
    --file) ${bashComplete('file')}; return ;;
    -f) if [[ $verb != logs ]] || ((COMP_CWORD - 1 < verb_at)); then ${bashComplete('file')}; return; fi ;;
  esac
  if [[ -z $verb ]]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "${globalWords} --version -V" -- "$cur"))
    else COMPREPLY=($(compgen -W "${specs.map((s) => s.name).join(' ')}" -- "$cur")); fi
    return
  fi
  case $verb in
${arms.join('\n')}
    *) return ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$words ${globalWords}" -- "$cur")); return; fi
  for ((i = verb_at + 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case $w in
      --) ;;
      -*) _kelpie_takes_value "$verb" "$w" && ((i++)) ;;
      *) ((pos++)) ;;
    esac
  done
  if ((pos < \${#kinds[@]})); then kind=\${kinds[pos]}
  elif ((variadic && \${#kinds[@]} > 0)); then kind=\${kinds[\${#kinds[@]} - 1]}
  else return; fi
  case $kind in
    service) ${bashComplete('service')} ;;
    file) ${bashComplete('file')} ;;
    dir) ${bashComplete('dir')} ;;
    command) ${bashComplete('command')} ;;
    signal) ${bashComplete('signal')} ;;
    words:*) w=\${kind#words:}; COMPREPLY=($(compgen -W "\${w//,/ }" -- "$cur")) ;;
  esac
}

complete -F _kelpie kelpie
`;
}

/** Single-quoted for zsh and fish ('it'"'"'s' style works in both). */
const sq = (s: string): string => `'${s.replace(/'/g, `'"'"'`)}'`;

function zshComplete(kind: Kind): string {
  switch (kind) {
    case 'service':
      return 'compadd -- ${(f)"$(_kelpie_services)"}';
    case 'file':
      return '_files';
    case 'dir':
      return '_directories';
    case 'command':
      return '_command_names -e';
    case 'signal':
      return `compadd -- ${SIGNALS.join(' ')}`;
    case 'none':
      return ':';
    default:
      return `compadd -- ${kind.slice(6).split(',').join(' ')}`;
  }
}

function zshScript(specs: readonly Spec[]): string {
  const described = specs.map((s) => `    ${sq(`${s.name}:${s.summary}`)}`).join('\n');
  const arms = specs.map((s) => {
    const own = s.flags.flatMap(spellings).join(' ');
    const values = s.flags
      .filter((f) => f.value !== null && !(s.name === 'logs' && f.short === 'f'))
      .map((f) => `        ${spellings(f).join('|')}) ${zshComplete(f.value!)}; return ;;`);
    return [
      `    ${s.name})`,
      ...(values.length ? ['      case $prev in', ...values, '      esac'] : []),
      `      flags=(${own}); kinds=(${s.args.map((k) => `'${k}'`).join(' ')}); variadic=${s.variadic ? 1 : 0}`,
      '      ;;',
    ].join('\n');
  });
  const takes = valued(specs).map((p) => `"${p}"`).join('|');
  return `#compdef kelpie
# zsh completion for kelpie.
#   this shell:   source <(kelpie completion zsh)        (after compinit)
#   every shell:  kelpie completion zsh > "\${fpath[1]}/_kelpie"   (then start a new shell)
# Service names come from the running daemon (kelpie status --json), found as kelpie
# itself would find it from the -f/--home given on the command line.

_kelpie_services() {
  local bin=\${words[1]} i
  local -a args
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      --file|--home|--cap) args+=(\${words[i]} \${words[i+1]}); ((i++)) ;;
      -f) if [[ $_kelpie_verb != logs ]] || ((i < _kelpie_verb_at)); then args+=(-f \${words[i+1]}); ((i++)); fi ;;
    esac
  done
  \${~bin} $args status --json 2>/dev/null | ${SED}
}

_kelpie_takes_value() {
  case "$1 $2" in
    "logs -f") return 1 ;;
    ${takes ? `${takes}) return 0 ;;` : ''}
    *" -f"|*" --file"|*" --home"|*" --cap") return 0 ;;
  esac
  return 1
}

_kelpie() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  local verb= w kind
  local -i verb_at=0 i=2 pos=0 variadic=0
  local -a kinds flags commands
  commands=(
${described}
  )
  while (( i < CURRENT )); do
    w=\${words[i]}
    case $w in
      -f|--file|--home) (( i += 2 )); continue ;;
      -*) ;;
      *) verb=$w; verb_at=$i; break ;;
    esac
    (( i++ ))
  done
  _kelpie_verb=$verb _kelpie_verb_at=$verb_at
  case $prev in
    --home) _directories; return ;;
    --file) _files; return ;;
    -f) if [[ $verb != logs ]] || (( CURRENT - 1 < verb_at )); then _files; return; fi ;;
  esac
  if [[ -z $verb ]]; then
    if [[ $cur == -* ]]; then compadd -- ${globalWords} --version -V
    else _describe -t commands 'kelpie command' commands; fi
    return
  fi
  case $verb in
${arms.join('\n')}
    *) return ;;
  esac
  if [[ $cur == -* ]]; then compadd -- $flags ${globalWords}; return; fi
  for (( i = verb_at + 1; i < CURRENT; i++ )); do
    w=\${words[i]}
    case $w in
      --) ;;
      -*) _kelpie_takes_value $verb $w && (( i++ )) ;;
      *) (( pos++ )) ;;
    esac
  done
  if (( pos < \${#kinds} )); then kind=\${kinds[pos + 1]}
  elif (( variadic && \${#kinds} > 0 )); then kind=\${kinds[-1]}
  else return; fi
  case $kind in
    service) ${zshComplete('service')} ;;
    file) _files ;;
    dir) _directories ;;
    command) _command_names -e ;;
    signal) ${zshComplete('signal')} ;;
    words:*) compadd -- \${(s:,:)kind#words:} ;;
  esac
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _kelpie "$@"
else
  compdef _kelpie kelpie
fi
`;
}

function fishArgs(kind: Kind): string {
  switch (kind) {
    case 'service':
      return "-x -a '(__kelpie_services)'";
    case 'file':
      return '-r -F';
    case 'dir':
      return "-x -a '(__fish_complete_directories)'";
    case 'command':
      return "-x -a '(__fish_complete_command)'";
    case 'signal':
      return `-x -a '${SIGNALS.join(' ')}'`;
    case 'none':
      return '-x';
    default:
      return `-x -a '${kind.slice(6).split(',').join(' ')}'`;
  }
}

function fishScript(specs: readonly Spec[]): string {
  const lines: string[] = [];
  for (const s of specs) lines.push(`complete -c kelpie -n __kelpie_none -a ${s.name} -d ${sq(s.summary)}`);
  lines.push('');
  for (const s of specs) {
    for (const f of s.flags) {
      const names = `-l ${f.long}${f.short ? ` -s ${f.short}` : ''}`;
      lines.push(`complete -c kelpie -n '__kelpie_is ${s.name}' ${names}${f.value === null ? '' : ` ${fishArgs(f.value)}`}`);
    }
    s.args.forEach((k, i) => {
      if (k === 'none') return;
      const last = i === s.args.length - 1 && s.variadic;
      const cond = last ? `__kelpie_from ${s.name} ${i}` : `__kelpie_at ${s.name} ${i}`;
      const what = fishArgs(k).replace(/^-[xr] /, '').replace(/^-r -F$/, '-F');
      lines.push(`complete -c kelpie -n '${cond}' ${what}`);
    });
  }
  const takes = valued(specs).map((p) => `'${p}'`).join(' ');
  return `# fish completion for kelpie.
#   this shell:   kelpie completion fish | source
#   every shell:  kelpie completion fish > ~/.config/fish/completions/kelpie.fish
# Service names come from the running daemon (kelpie status --json), found as kelpie
# itself would find it from the -f/--home given on the command line.

# The command being completed (empty when none yet), then the positional words after it.
function __kelpie_words
    set -l tokens (commandline -opc)
    set -l verb
    set -l skip 0
    set -l args
    for i in (seq 2 (count $tokens))
        set -l t $tokens[$i]
        if test $skip = 1
            set skip 0
            continue
        end
        if test -z "$verb"
            switch $t
                case -f --file --home
                    set skip 1
                case '-*'
                case '*'
                    set verb $t
            end
        else
            switch $t
                case '--'
                case '-*'
                    if contains -- "$verb $t" ${takes}; or begin; test "$verb" != logs; and contains -- $t -f --file --home; end
                        set skip 1
                    end
                case '*'
                    set -a args $t
            end
        end
    end
    echo $verb
    for a in $args
        echo $a
    end
end

function __kelpie_none
    set -l w (__kelpie_words)
    test -z "$w[1]"
end

function __kelpie_is
    set -l w (__kelpie_words)
    test "$w[1]" = $argv[1]
end

# __kelpie_at VERB N: completing the (N+1)th positional word of VERB.
function __kelpie_at
    set -l w (__kelpie_words)
    test "$w[1]" = $argv[1]; and test (math (count $w) - 1) -eq $argv[2]
end

function __kelpie_from
    set -l w (__kelpie_words)
    test "$w[1]" = $argv[1]; and test (math (count $w) - 1) -ge $argv[2]
end

function __kelpie_services
    set -l tokens (commandline -opc)
    set -l verb (__kelpie_words)[1]
    set -l args
    for i in (seq 2 (count $tokens))
        set -l j (math $i + 1)
        switch $tokens[$i]
            case --file --home
                set -q tokens[$j]; and set -a args $tokens[$i] $tokens[$j]
            case -f
                test "$verb" != logs; and set -q tokens[$j]; and set -a args -f $tokens[$j]
        end
    end
    command $tokens[1] $args status --json 2>/dev/null | string replace -rf '^\\s*"name":\\s*"([^"]*)".*' '$1'
end

complete -c kelpie -f
complete -c kelpie -n 'not __kelpie_is logs' -s f -l file -r -F -d 'the config'
complete -c kelpie -n '__kelpie_is logs' -l file -r -F -d 'the config'
complete -c kelpie -l home -x -a '(__fish_complete_directories)' -d 'the kelpie home'
complete -c kelpie -l json -d 'machine-readable output'
complete -c kelpie -l no-color -d 'no colours'
complete -c kelpie -s h -l help -d 'help'
complete -c kelpie -n __kelpie_none -s V -l version -d 'print the version'

${lines.join('\n')}
`;
}

/** `kelpie completion` for a list of commands (main.ts may pass its own registry). */
export function completionFor(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish)',
    usage: SHELLS.join('|'),
    args: [1, 1],
    async run(ctx) {
      const shell = ctx.args[0]!;
      if (!(SHELLS as readonly string[]).includes(shell)) throw usageError(`completion: unknown shell ${JSON.stringify(shell)}`, `shells: ${SHELLS.join(', ')}`);
      const list = commands();
      const all = list.some((c) => c.name === 'completion') ? list : [...list, completion];
      process.stdout.write(completionScript(shell as Shell, all));
      return 0;
    },
  };
}

/** `kelpie completion`, completing every command kelpie has. */
export const completion: Command = completionFor(() => KNOWN_COMMANDS);
