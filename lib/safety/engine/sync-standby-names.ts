// synchronous_standby_names as PostgreSQL reads it (syncrep_gram.y / syncrep_scanner.l), pure:
//   FIRST n (a, b, ...)   the n highest-priority connected standbys (priority = list order)
//   ANY n (a, b, ...)     any n of the listed standbys (quorum)
//   n (a, b, ...)         legacy form = FIRST n
//   a, b, ...             plain list = FIRST 1
// Names are identifiers, numbers or double-quoted strings ("" escapes a quote); `*` (quoted or not)
// matches any standby. Keywords are case-insensitive; PostgreSQL compares names with
// application_name case-insensitively. Empty (no synchronous replication), unparseable or n < 1 → null:
// the caller never claims sync coverage from it.

export interface TSyncStandbyConfig {
  method: 'first' | 'any';
  num: number;
  /** The listed names in priority order, or '*' when the list contains the wildcard (any standby may acknowledge). */
  names: string[] | '*';
}

type TToken = { kind: 'name' | 'num' | 'any' | 'first' | '(' | ')' | ','; text: string };

function tokenize(s: string): TToken[] | null {
  const out: TToken[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c });
      i++;
    } else if (c === '*') {
      out.push({ kind: 'name', text: '*' });
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= s.length) return null; // unterminated quoted name
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += s[i++];
      }
      if (text === '') return null; // zero-length delimited identifier
      out.push({ kind: 'name', text });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(s.slice(i))![0];
      // "2abc" is not a number followed by a name: PostgreSQL's scanner rejects it too.
      if (/[A-Za-z_$\u0080-\uffff]/.test(s[i + m.length] ?? '')) return null;
      out.push({ kind: 'num', text: m });
      i += m.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(s.slice(i))![0];
      const lower = m.toLowerCase();
      out.push({ kind: lower === 'any' ? 'any' : lower === 'first' ? 'first' : 'name', text: m });
      i += m.length;
    } else {
      return null;
    }
  }
  return out;
}

/** Parses synchronous_standby_names; null when empty or not parseable. */
export function parseSyncStandbyNames(value: string | null | undefined): TSyncStandbyConfig | null {
  if (value === null || value === undefined) return null;
  const tokens = tokenize(value);
  if (!tokens || tokens.length === 0) return null;
  let pos = 0;
  let method: TSyncStandbyConfig['method'] = 'first';
  let num = 1;
  let parenthesised = false;
  const t0 = tokens[0];
  if ((t0.kind === 'any' || t0.kind === 'first') && tokens[1]?.kind === 'num' && tokens[2]?.kind === '(') {
    method = t0.kind;
    num = Number(tokens[1].text);
    pos = 3;
    parenthesised = true;
  } else if (t0.kind === 'num' && tokens[1]?.kind === '(') {
    num = Number(t0.text);
    pos = 2;
    parenthesised = true;
  }
  const names: string[] = [];
  for (;;) {
    const t = tokens[pos];
    if (!t || (t.kind !== 'name' && t.kind !== 'num')) return null;
    names.push(t.text);
    pos++;
    if (tokens[pos]?.kind === ',') {
      pos++;
      continue;
    }
    break;
  }
  if (parenthesised) {
    if (tokens[pos]?.kind !== ')') return null;
    pos++;
  }
  if (pos !== tokens.length) return null;
  if (!Number.isSafeInteger(num) || num < 1) return null;
  return { method, num, names: names.includes('*') ? '*' : names };
}

/** Whether a standby named `name` (its application_name) is one the configuration lets acknowledge commits. */
export function mayAcknowledge(config: TSyncStandbyConfig, name: string): boolean {
  return config.names === '*' || config.names.some((n) => n.toLowerCase() === name.toLowerCase());
}

/** The configuration in PostgreSQL's canonical words, for messages. */
export function describeSyncStandbyNames(config: TSyncStandbyConfig): string {
  const list = config.names === '*' ? '*' : config.names.join(', ');
  return `${config.method.toUpperCase()} ${config.num} (${list})`;
}
