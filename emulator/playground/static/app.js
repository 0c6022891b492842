// The playground's chat page: talks to the emulator's /api routes, never to the Bot API itself.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

const state = {
  who: "user",
  version: null,
  attachment: null, // {file, kind: "photo" | "document"}
  rendered: new Map(), // message id -> {signature, node}
  lastToast: null,
  poll: null, // AbortController of the running long poll
};

// -- talking to the server -------------------------------------------------------------------

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `the playground answered ${response.status}`);
  return body;
}

const postJson = (path, body) =>
  api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

async function follow(who) {
  // Long poll: each answer is the whole chat, the next request waits for a change.
  if (state.poll) state.poll.abort();
  const poll = new AbortController();
  state.poll = poll;
  while (!poll.signal.aborted && state.who === who) {
    try {
      const after = state.version === null ? "" : `?after=${encodeURIComponent(state.version)}`;
      const chat = await api(`/api/chats/${who}${after}`, { signal: poll.signal });
      if (state.who !== who) return;
      state.version = chat.version;
      render(chat);
    } catch (error) {
      if (poll.signal.aborted) return;
      setStatus("connecting…", false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// -- showing the chat --------------------------------------------------------------------------

function render(chat) {
  const box = $("chat");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const seen = new Set();
  let appended = false;
  for (const message of chat.messages) {
    seen.add(message.id);
    const signature = JSON.stringify(message);
    const known = state.rendered.get(message.id);
    if (known && known.signature === signature) continue;
    const node = messageNode(message);
    if (known) known.node.replaceWith(node);
    else {
      box.append(node);
      appended = true;
    }
    state.rendered.set(message.id, { signature, node });
  }
  for (const [id, known] of state.rendered) {
    if (!seen.has(id)) {
      known.node.remove();
      state.rendered.delete(id);
    }
  }
  $("empty").hidden = state.rendered.size > 0;
  if (appended || nearBottom) box.scrollTop = box.scrollHeight;
  setStatus(chat.status ? statusText(chat.status) : "bot", Boolean(chat.status));
  showNewToasts(chat.toasts);
}

function messageNode(message) {
  const node = el("div", `message ${message.from_bot ? "bot" : "user"}`);
  node.dataset.id = message.id;
  const bubble = el("div", "bubble");
  if (message.photo) {
    const link = el("a");
    link.href = message.photo;
    link.target = "_blank";
    const image = el("img", "photo");
    image.src = message.photo;
    image.alt = message.from_bot ? "the bot's picture" : "your photo";
    image.addEventListener("load", () => keepBottom());
    link.append(image);
    bubble.append(link);
  }
  if (message.document) bubble.append(documentNode(message.document));
  if (message.media) bubble.append(el("div", "media", message.media));
  if (message.text) {
    const text = el("div", "text");
    text.append(richText(message.text, message.entities));
    bubble.append(text);
  }
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  bubble.append(el("div", "meta", message.edited ? `edited ${time}` : time));
  node.append(bubble);
  if (message.buttons.length) node.append(keyboardNode(message));
  return node;
}

const FILE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 3h7l5 5v13H7z M14 3v5h5"/></svg>';

function documentNode(file) {
  const link = el("a", "document");
  link.href = file.url;
  link.download = file.name;
  const glyph = el("span", "glyph");
  glyph.innerHTML = FILE_ICON;
  link.append(glyph);
  const label = el("span", "", file.name);
  label.append(el("small", "", formatSize(file.size)));
  link.append(label);
  return link;
}

function keyboardNode(message) {
  const keyboard = el("div", "keyboard");
  for (const row of message.buttons) {
    const keys = el("div", "keys");
    for (const button of row) {
      const key = el("button", "", button.text);
      key.type = "button";
      key.disabled = button.data === null;
      key.addEventListener("click", () => press(message.id, button.data, key));
      keys.append(key);
    }
    keyboard.append(keys);
  }
  return keyboard;
}

// Telegram's entities nest properly, so one pass with recursion into children builds the tree.
function richText(text, entities) {
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const root = document.createDocumentFragment();
  fill(root, text, sorted, 0, text.length);
  return root;
}

function fill(parent, text, entities, from, to) {
  let position = from;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const end = entity.offset + entity.length;
    let next = index + 1;
    while (next < entities.length && entities[next].offset < end) next += 1;
    if (entity.offset > position) parent.append(text.slice(position, entity.offset));
    const node = entityNode(entity, text.slice(entity.offset, end));
    fill(node, text, entities.slice(index + 1, next), entity.offset, end);
    parent.append(node);
    position = end;
    index = next;
  }
  if (position < to) parent.append(text.slice(position, to));
}

const ENTITY_TAGS = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

function entityNode(entity, content) {
  if (entity.type === "text_link" || entity.type === "url") {
    const link = el("a");
    link.href = entity.type === "url" ? content : entity.url;
    link.target = "_blank";
    link.rel = "noopener";
    return link;
  }
  if (entity.type === "bot_command") {
    const command = el("span", "command");
    command.addEventListener("click", () => sendText(content));
    return command;
  }
  return el(ENTITY_TAGS[entity.type] || "span");
}

function keepBottom() {
  const box = $("chat");
  if (box.scrollHeight - box.scrollTop - box.clientHeight < 600) box.scrollTop = box.scrollHeight;
}

function setStatus(text, active) {
  $("bot-status").textContent = text;
  $("bot-status").classList.toggle("active", active);
}

const statusText = (action) =>
  ({ typing: "typing…", upload_photo: "sending a photo…", upload_document: "sending a file…" })[action] ||
  `${action.replace(/_/g, " ")}…`;

function showNewToasts(toasts) {
  const newest = toasts.length ? toasts[toasts.length - 1].seq : 0;
  if (state.lastToast !== null && newest > state.lastToast) {
    const toast = $("toast");
    toast.textContent = toasts[toasts.length - 1].text;
    toast.hidden = false;
    clearTimeout(showNewToasts.timer);
    showNewToasts.timer = setTimeout(() => (toast.hidden = true), toasts[toasts.length - 1].alert ? 6000 : 2500);
  }
  state.lastToast = Math.max(state.lastToast || 0, newest);
}

function notice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
  keepBottom();
}

const formatSize = (bytes) =>
  bytes >= 1 << 20
    ? `${(bytes / (1 << 20)).toFixed(1)} MB`
    : bytes >= 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${bytes} B`;

// -- acting ------------------------------------------------------------------------------------

async function sendText(text) {
  notice("");
  try {
    await postJson(`/api/chats/${state.who}/text`, { text });
  } catch (error) {
    notice(error.message);
  }
}

async function sendAttachment(caption) {
  const { file, kind } = state.attachment;
  const form = new FormData();
  form.append("file", file, file.name);
  if (caption) form.append("caption", caption);
  setAttachment(null);
  try {
    await api(`/api/chats/${state.who}/${kind}`, { method: "POST", body: form });
  } catch (error) {
    notice(error.message);
  }
}

async function press(messageId, data, key) {
  key.disabled = true;
  try {
    await postJson(`/api/chats/${state.who}/press`, { message_id: messageId, data });
  } catch (error) {
    notice(error.message);
    key.disabled = false;
  }
}

function setAttachment(file, kind) {
  state.attachment = file ? { file, kind } : null;
  $("attachment").hidden = !file;
  if (file) {
    const what = kind === "photo" ? "Photo" : "File";
    $("attachment-label").textContent = `${what}: ${file.name} (${formatSize(file.size)}), press Send`;
    notice("");
    $("text").focus();
  }
}

function submit(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  if (state.attachment) sendAttachment(text);
  else if (text) sendText(text);
  else {
    notice("Nothing to send: type a message, or choose a photo or a file first.");
    return;
  }
  $("text").value = "";
}

function switchTo(who) {
  if (who === state.who) return;
  state.who = who;
  state.version = null;
  state.lastToast = null;
  for (const { node } of state.rendered.values()) node.remove();
  state.rendered.clear();
  for (const button of document.querySelectorAll(".switch button")) {
    button.setAttribute("aria-checked", String(button.dataset.who === who));
  }
  notice("");
  follow(who);
}

async function toggleMenu() {
  const menu = $("menu");
  if (!menu.hidden) {
    menu.hidden = true;
    return;
  }
  const { people } = await api("/api/state");
  const { commands } = people[state.who];
  menu.replaceChildren();
  for (const { command, description } of commands) {
    const item = el("li");
    item.setAttribute("role", "menuitem");
    item.append(el("b", "", `/${command}`), el("span", "", description));
    item.addEventListener("click", () => {
      menu.hidden = true;
      sendText(`/${command}`);
    });
    menu.append(item);
  }
  if (!commands.length) menu.append(el("li", "", "The bot has not registered any commands."));
  menu.hidden = false;
}

function pick(input, kind) {
  input.addEventListener("change", () => {
    if (input.files.length) setAttachment(input.files[0], kind);
    input.value = "";
  });
}

function acceptDrops() {
  let depth = 0;
  const app = $("app");
  app.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    $("drop").hidden = false;
  });
  app.addEventListener("dragleave", () => {
    depth -= 1;
    if (depth <= 0) $("drop").hidden = true;
  });
  app.addEventListener("dragover", (event) => event.preventDefault());
  app.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    $("drop").hidden = true;
    const file = event.dataTransfer.files[0];
    if (!file) notice("Nothing was dropped: drag a photo file from your computer.");
    else setAttachment(file, file.type.startsWith("image/") ? "photo" : "document");
  });
}

async function start() {
  const info = await api("/api/state");
  $("bot-name").textContent = info.bot.name;
  document.title = `${info.bot.name} · playground`;
  for (const [who, person] of Object.entries(info.people)) {
    const button = $(`as-${who}`);
    button.textContent = person.admin ? `${person.name} · admin` : person.name;
    button.addEventListener("click", () => switchTo(who));
  }
  $("composer").addEventListener("submit", submit);
  $("menu-button").addEventListener("click", toggleMenu);
  $("attachment-clear").addEventListener("click", () => setAttachment(null));
  pick($("photo-input"), "photo");
  pick($("camera-input"), "photo");
  pick($("file-input"), "document");
  for (const command of document.querySelectorAll(".empty .command")) {
    command.addEventListener("click", () => sendText(command.textContent));
  }
  acceptDrops();
  follow(state.who);
}

start().catch((error) => notice(`The playground is not answering: ${error.message}`));
