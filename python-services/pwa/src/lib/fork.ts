// Where a transcript forks, and in what order to show it.
//
// Claude Code links each transcript line to the one before it (`parent_uuid`). Two writers on
// one session (a prompt forced from the phone while the terminal works, or a prompt edited in
// the terminal) make one message the parent of two turns: the transcript forks. Shown in plain
// page order (`pos`) the two conversations would interleave; here each branch that stopped is shown as
// a block right after the branch point, and the branch that goes on (the one with the newest
// message) follows, so the bottom of the screen is where the conversation really is.
//
// The agent skips bookkeeping lines (attachments, snapshots), so a parent may be missing: a
// message whose parent is not loaded hangs under the message just before it, unless another
// message names the same missing parent (then that missing line is the branch point).
// A branch is the phone's when its first prompt is one the phone sent (GET .../prompts); the
// other branch is then the terminal's.

import type { Message, PromptInfo } from "./types";

export interface Branch {
  key: string;
  /** 1-based, in the order the branches started. */
  index: number;
  who: "phone" | "terminal" | "other";
  forced: boolean;
  /** The branch that goes on: it holds the newest message. */
  continued: boolean;
}

export type Row =
  | { kind: "message"; message: Message; branch: Branch | null }
  | { kind: "fork"; key: string; branches: Branch[] }
  | { kind: "branch"; branch: Branch };

const isPrompt = (m: Message) => m.role === "user" && m.text.trim() !== "" && m.tool_results.length === 0;

/** The rows to show: messages in order, with a marker at each fork and a header per branch. */
export function arrange(messages: Message[], prompts: PromptInfo[] = []): Row[] {
  const all = [...messages].sort((a, b) => a.pos - b.pos);
  const conv = all.filter((m) => !m.is_sidechain && m.role !== "system");
  const byUuid = new Map(conv.map((m) => [m.uuid, m]));
  const named = new Map<string, number>();
  for (const m of conv) if (m.parent_uuid) named.set(m.parent_uuid, (named.get(m.parent_uuid) ?? 0) + 1);

  // Each message's parent in the tree shown: a loaded message, a missing branch point, or
  // (missing parent) the message just before it.
  const parentOf = new Map<string, string | null>();
  conv.forEach((m, i) => {
    const p = m.parent_uuid;
    if (p && byUuid.has(p)) parentOf.set(m.uuid, p);
    else if (p && (named.get(p) ?? 0) > 1) parentOf.set(m.uuid, `missing:${p}`);
    else parentOf.set(m.uuid, i > 0 ? conv[i - 1].uuid : null);
  });
  const children = new Map<string, Message[]>();
  for (const m of conv) {
    const p = parentOf.get(m.uuid);
    if (p) children.set(p, [...(children.get(p) ?? []), m]);
  }
  const subtree = (root: Message): Message[] => {
    const out: Message[] = [];
    const stack = [root];
    while (stack.length) {
      const m = stack.pop() as Message;
      out.push(m);
      stack.push(...(children.get(m.uuid) ?? []));
    }
    return out.sort((a, b) => a.pos - b.pos);
  };

  const phoneTexts = new Map(prompts.map((p) => [p.text.trim(), p]));
  // Forks: a parent with two or more children, one of them a prompt (tool results that share
  // a parent are not two conversations).
  interface Fork {
    key: string;
    at: string; // the branch point's uuid, or `missing:<uuid>`
    branches: Branch[];
    members: Message[][];
  }
  const forks: Fork[] = [];
  for (const [at, kids] of children) {
    if (kids.length < 2 || !kids.some(isPrompt)) continue;
    const members = kids.map(subtree);
    const who = members.map((ms) => {
      const first = ms.find(isPrompt);
      return first ? phoneTexts.get(first.text.trim()) : undefined;
    });
    const phone = who.some(Boolean);
    const tips = members.map((ms) => Math.max(...ms.map((m) => m.pos)));
    const newest = tips.indexOf(Math.max(...tips));
    const branches = kids.map((kid, i) => ({
      key: `${at}:${kid.uuid}`,
      index: i + 1,
      who: who[i] ? ("phone" as const) : phone ? ("terminal" as const) : ("other" as const),
      forced: who[i]?.force ?? false,
      continued: i === newest,
    }));
    forks.push({ key: at, at, branches, members });
  }
  if (!forks.length) return all.map((message) => ({ kind: "message", message, branch: null }));

  // Which branch each message is in (the innermost fork wins), and which are moved up.
  const branchOf = new Map<string, Branch>();
  const moved = new Set<string>();
  const forkAt = new Map<string, Fork>();
  const forkBefore = new Map<string, Fork>(); // missing branch point: shown before its first branch
  for (const fork of forks.sort((a, b) => a.members[0][0].pos - b.members[0][0].pos)) {
    fork.members.forEach((ms, i) => {
      for (const m of ms) {
        branchOf.set(m.uuid, fork.branches[i]);
        if (!fork.branches[i].continued) moved.add(m.uuid);
      }
    });
    if (fork.at.startsWith("missing:")) {
      const first = fork.members.flat().reduce((a, b) => (a.pos < b.pos ? a : b));
      forkBefore.set(first.uuid, fork);
    } else forkAt.set(fork.at, fork);
  }

  const rows: Row[] = [];
  const emitFork = (fork: Fork) => {
    rows.push({ kind: "fork", key: fork.key, branches: fork.branches });
    fork.branches.forEach((branch, i) => {
      if (branch.continued) return;
      rows.push({ kind: "branch", branch });
      for (const m of fork.members[i]) rows.push({ kind: "message", message: m, branch });
    });
    const goesOn = fork.branches.find((b) => b.continued);
    if (goesOn) rows.push({ kind: "branch", branch: goesOn });
  };
  for (const m of all) {
    const before = forkBefore.get(m.uuid);
    if (before && !moved.has(m.uuid)) emitFork(before);
    if (moved.has(m.uuid)) {
      if (before) emitFork(before);
      continue; // shown with its branch
    }
    rows.push({ kind: "message", message: m, branch: branchOf.get(m.uuid) ?? null });
    const fork = forkAt.get(m.uuid);
    if (fork) emitFork(fork);
  }
  return rows;
}
