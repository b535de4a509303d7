/* ShopAssist chat widget: one <script src=".../widget.js" data-...> tag adds a launcher and a chat panel to any
 * page, inside a shadow root so the store's CSS and ours never meet. The full-page chat at / is the same code with
 * data-mode="page". Plain JavaScript, no dependencies, no inline styles (CSP without 'unsafe-inline' works).
 * Answers, catalog text and citations are data: they are only ever set as text, never parsed as HTML. */
(() => {
  "use strict";

  const script = document.currentScript;
  const API = new URL(script.src, location.href).origin;
  const options = script.dataset;
  const STORAGE_KEY = `shopassist:v1:${API}`;
  const KEPT_ANSWERS = 30;  // rich answers (sources, cards) kept on the shopper's device for a reload

  const STRINGS = {
    en: {
      title: "Help", titleWithStore: "{store} help", open: "Chat with us", close: "Close chat",
      placeholder: "Type your question…", send: "Send", inputLabel: "Your question",
      newConversation: "New conversation", person: "Talk to a person", language: "中文", languageLabel: "切换到中文",
      faq: "FAQ", log: "Conversation", typing: "The assistant is typing…", sources: "Sources", copy: "Copy", copied: "Copied",
      copyFailed: "Could not copy", helpful: "Was this helpful?", up: "Yes, helpful", down: "No, not helpful", yes: "Yes", no: "No",
      thanks: "Thanks for your feedback.", feedbackFailed: "Your feedback could not be saved.",
      viewProduct: "View product", sale: "Sale", was: "was", inStock: "in stock", outOfStock: "out of stock",
      variants: "Options", moreVariants: "+{n} more", suggestions: "Suggested questions",
      reference: "Reference", status: "Status", open_status: "open", claimed_status: "being handled",
      closed_status: "closed", contactHow: "How should we reach you?", contactChat: "In this chat",
      contactEmail: "By email", contactPhone: "By phone", contactAddressEmail: "Your email address",
      contactAddressPhone: "Your phone number", request: "Ask for a person", cancel: "Cancel",
      handoffFailed: "We could not reach our support team just now. Please try again in a moment.",
      busy: "We're busy right now; trying again in {n} seconds…", slow: "Too many questions at once. Please wait a moment and send again.",
      expired: "Your previous conversation had expired, so a new one has started.",
      tooLong: "That message is too long. Please shorten it to {n} characters.",
      failed: "Sorry, something went wrong on our side. Your question is still in the box; please try again.",
      offline: "The connection was interrupted. Your question is still in the box; please try again.",
      you: "You", assistant: "Assistant",
    },
    zh: {
      title: "在线客服", titleWithStore: "{store} 客服", open: "在线咨询", close: "关闭对话",
      placeholder: "请输入您的问题…", send: "发送", inputLabel: "您的问题",
      newConversation: "新对话", person: "联系人工客服", language: "English", languageLabel: "Switch to English",
      faq: "常见问题", log: "对话内容", typing: "客服助手正在输入…", sources: "来源", copy: "复制", copied: "已复制",
      copyFailed: "无法复制", helpful: "这个回答有帮助吗？", up: "有帮助", down: "没有帮助", yes: "有", no: "没有",
      thanks: "感谢您的反馈。", feedbackFailed: "反馈未能保存。",
      viewProduct: "查看商品", sale: "特价", was: "原价", inStock: "有货", outOfStock: "缺货",
      variants: "可选款式", moreVariants: "还有 {n} 款", suggestions: "常见问题",
      reference: "编号", status: "状态", open_status: "已提交", claimed_status: "处理中", closed_status: "已关闭",
      contactHow: "您希望我们如何联系您？", contactChat: "在此对话中", contactEmail: "电子邮件", contactPhone: "电话",
      contactAddressEmail: "您的电子邮箱", contactAddressPhone: "您的电话号码", request: "转人工客服", cancel: "取消",
      handoffFailed: "暂时无法联系到人工客服，请稍后再试。",
      busy: "当前咨询较多，{n} 秒后自动重试…", slow: "提问过于频繁，请稍候再发送。",
      expired: "之前的对话已过期，已为您开始新的对话。",
      tooLong: "消息太长了，请缩短到 {n} 个字符以内。",
      failed: "抱歉，系统出了点问题。您的问题仍在输入框中，请重试。",
      offline: "网络连接中断。您的问题仍在输入框中，请重试。",
      you: "您", assistant: "客服助手",
    },
  };

  const CJK = /[\u3400-\u9fff\uf900-\ufaff]/g;
  const languageOf = (text) => {
    const cjk = (text.match(CJK) || []).length;
    const letters = (text.match(/\p{L}/gu) || []).length;
    return cjk && cjk >= 0.3 * Math.max(letters, 1) ? "zh" : "en";
  };
  const pickLanguage = (value) => (value && value.toLowerCase().startsWith("zh") ? "zh" : "en");

  /* ---------- small DOM helpers: text only, never HTML ---------- */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /* ---------- stored state: the session token and what a reload needs ---------- */
  const storage = {
    read() {
      try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || {}; } catch { return {}; }
    },
    write(state) {
      try { localStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch { /* private mode: no persistence */ }
    },
  };

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super((body && body.error && body.error.message) || `HTTP ${status}`);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  async function* serverSentEvents(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = (block.match(/^event: ?(.*)$/m) || [])[1] || "message";
        const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.replace(/^data: ?/, "")).join("\n");
        if (data) yield { event, data: JSON.parse(data) };
      }
    }
  }

  /* ---------- safe minimal markdown: **bold**, lists, [text](https://…), and [n] source markers ---------- */
  function inline(text, cite) {
    const out = [];
    const pattern = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|\[(\d{1,2})\]/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) out.push(text.slice(last, match.index));
      if (match[1]) out.push(el("strong", {}, match[1]));
      else if (match[2]) out.push(el("a", { href: match[3], target: "_blank", rel: "noopener noreferrer" }, match[2]));
      else out.push(cite(Number(match[4])) || match[0]);
      last = match.index + match[0].length;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  function markdown(text, cite) {
    const blocks = [];
    let list = null;
    for (const raw of text.split(/\n/)) {
      const line = raw.trim();
      const item = line.match(/^(?:[-*•]|\d+[.)])\s+(.*)$/);
      if (item) {
        const ordered = /^\d/.test(line);
        if (!list || (list.tagName === "OL") !== ordered) { list = el(ordered ? "ol" : "ul"); blocks.push(list); }
        list.append(el("li", {}, ...inline(item[1], cite)));
      } else if (line) {
        list = null;
        blocks.push(el("p", {}, ...inline(line, cite)));
      } else {
        list = null;
      }
    }
    return blocks;
  }

  /* ---------- the widget ---------- */
  class ChatWidget {
    constructor() {
      this.mode = options.mode === "page" ? "page" : "launcher";
      this.state = storage.read();
      this.answers = this.state.answers || {};
      this.lang = pickLanguage(this.state.lang || options.lang || navigator.language);  // the shopper's last language first
      this.config = { store_name: "", greeting: {}, suggestions: {}, max_message_chars: 2000 };
      this.sending = false;
      this.counter = 0;
    }

    t(key, values = {}) {
      const text = STRINGS[this.lang][key] ?? STRINGS.en[key] ?? key;
      return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
    }

    /* Elements whose words follow the UI language carry data-i18n (text) or data-i18n-<attr> (an attribute). */
    label(node, key, attribute) {
      if (attribute) { node.setAttribute(`data-i18n-${attribute}`, key); node.setAttribute(attribute, this.t(key)); }
      else { node.setAttribute("data-i18n", key); node.textContent = this.t(key); }
      return node;
    }

    applyLanguage() {
      this.panel.setAttribute("lang", this.lang);
      for (const node of this.root.querySelectorAll("[data-i18n]")) node.textContent = this.t(node.dataset.i18n);
      for (const node of this.root.querySelectorAll("*")) {
        for (const attribute of node.getAttributeNames()) {
          if (attribute.startsWith("data-i18n-")) node.setAttribute(attribute.slice(10), this.t(node.getAttribute(attribute)));
        }
      }
      const store = this.config.store_name || options.storeName;
      this.heading.textContent = store ? this.t("titleWithStore", { store }) : this.t("title");
      this.renderSuggestions();
    }

    setLanguage(lang) {
      if (lang === this.lang) return;
      this.lang = lang;
      this.save({ lang });
      this.applyLanguage();
    }

    save(changes) {
      this.state = { ...this.state, ...changes, answers: this.answers };
      storage.write(this.state);
    }

    async mount() {
      const host = this.mode === "page" && options.target ? document.querySelector(options.target) : null;
      this.host = host || document.body.appendChild(el("div", { class: "shopassist-host" }));
      this.host.classList.add("shopassist", `shopassist-${this.mode}`);
      for (const [option, property] of [["primaryColor", "--sa-brand"], ["accentColor", "--sa-accent"],
        ["textOnPrimary", "--sa-on-brand"]]) {
        if (options[option]) this.host.style.setProperty(property, options[option]);  // CSSOM: allowed by CSP
      }
      this.root = this.host.attachShadow({ mode: "open" });
      const stylesheet = el("link", { rel: "stylesheet", href: `${API}/widget.css` });
      const loaded = new Promise((resolve) => { stylesheet.onload = resolve; stylesheet.onerror = resolve; });
      this.root.append(stylesheet);
      this.build();
      await Promise.all([loaded, this.loadConfig()]);
      this.applyLanguage();
      this.panel.classList.add("ready");
      if (this.mode === "page" || options.open === "true" || this.state.open) this.toggle(true, false);
      await this.restore();
    }

    async loadConfig() {
      try {
        const response = await fetch(`${API}/v1/widget/config`);
        if (response.ok) this.config = await response.json();
      } catch { /* the built-in words serve */ }
    }

    build() {
      const id = (name) => `sa-${name}`;
      this.launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
        "aria-controls": id("panel"), onclick: () => this.toggle(true) },
      el("span", { class: "launcher-icon", "aria-hidden": "true" }), el("span", { class: "launcher-text" }));
      this.label(this.launcher.lastChild, "open");

      this.heading = el("h2", { id: id("title"), class: "title" });
      const language = this.label(el("button", { type: "button", class: "tool language",
        onclick: () => this.setLanguage(this.lang === "zh" ? "en" : "zh") }), "language");
      this.label(language, "languageLabel", "aria-label");
      const restart = this.label(el("button", { type: "button", class: "tool restart", onclick: () => this.restart() }),
        "newConversation");
      const person = this.label(el("button", { type: "button", class: "tool person",
        onclick: () => this.offerHandoff("shopper_request") }), "person");
      const close = el("button", { type: "button", class: "tool close", onclick: () => this.toggle(false) },
        el("span", { "aria-hidden": "true" }, "×"));
      this.label(close, "close", "aria-label");

      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
        tabindex: "0", id: id("log") });
      this.label(this.log, "log", "aria-label");
      this.status = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
      this.input = el("textarea", { id: id("input"), class: "input", rows: "1", autocomplete: "off",
        onkeydown: (event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.submit(); }
        } });
      this.label(this.input, "placeholder", "placeholder");
      this.label(this.input, "inputLabel", "aria-label");
      this.sendButton = this.label(el("button", { type: "submit", class: "send" }), "send");
      const form = el("form", { class: "composer", onsubmit: (event) => { event.preventDefault(); this.submit(); } },
        this.input, this.sendButton);

      this.panel = el("section", { class: "panel", id: id("panel"), "aria-labelledby": id("title"),
        role: this.mode === "page" ? "region" : "dialog" },
      el("header", { class: "bar" }, el("div", { class: "bar-top" }, this.heading, this.mode === "page" ? null : close),
        el("div", { class: "tools" }, language, restart, person)),
      this.log, this.status, form);
      if (this.mode !== "page") this.panel.hidden = true;
      this.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && this.mode !== "page") this.toggle(false);
      });
      if (this.mode !== "page") this.root.append(this.launcher);
      this.root.append(this.panel);
    }

    toggle(open, focus = true) {
      if (this.mode === "page") { if (focus) this.input.focus(); return; }
      this.panel.hidden = !open;
      this.launcher.hidden = open;
      this.launcher.setAttribute("aria-expanded", String(open));
      this.save({ open });
      if (!focus) return;
      if (open) { this.input.focus(); this.scrollToNewest(); } else this.launcher.focus();
    }

    /* ---------- conversation ---------- */
    showGreeting() {
      const greeting = options[this.lang === "zh" ? "greetingZh" : "greeting"] || this.config.greeting[this.lang] ||
        this.config.greeting.en || "";
      if (greeting) this.log.append(el("div", { class: "msg bot greeting", lang: this.lang }, greeting));
      this.suggestionBox = el("div", { class: "suggestions", role: "group" });
      this.label(this.suggestionBox, "suggestions", "aria-label");
      this.log.append(this.suggestionBox);
      this.renderSuggestions();
    }

    renderSuggestions() {
      if (!this.suggestionBox || !this.suggestionBox.isConnected) return;
      const own = options[this.lang === "zh" ? "suggestionsZh" : "suggestions"];
      const questions = own ? own.split("|") : (this.config.suggestions[this.lang] || []);
      this.suggestionBox.replaceChildren(...questions.map((question) => el("button", {
        type: "button", class: "suggestion", lang: languageOf(question),
        onclick: () => { this.input.value = question; this.submit(); } }, question)));
    }

    async restore() {
      const { session_id: session, token, handoff } = this.state;
      if (!session || !token) { this.showGreeting(); return; }
      let transcript;
      try {
        const response = await fetch(`${API}/v1/sessions/${encodeURIComponent(session)}`, { headers: { "X-Session-Token": token } });
        if (response.status === 404) { this.forget(); this.showGreeting(); return; }
        if (!response.ok) throw new ApiError(response.status);
        transcript = await response.json();
      } catch {
        this.showGreeting();
        return;
      }
      if (!transcript.turns.length) this.showGreeting();
      for (const turn of transcript.turns) {
        this.addUserMessage(turn.question);
        const kept = this.answers[turn.answer_id];
        const answer = kept || { text: turn.answer, answer_id: turn.answer_id, language: languageOf(turn.answer),
          citations: [], products: [], refused: turn.refused };
        this.renderAnswer(this.addBotMessage(answer.language), answer);
      }
      if (handoff) await this.refreshHandoff(handoff);
      this.scrollToNewest();
    }

    forget() {
      this.answers = {};
      this.save({ session_id: null, token: null, handoff: null });
    }

    restart() {
      this.forget();
      this.log.replaceChildren();
      this.showGreeting();
      this.input.focus();
    }

    addUserMessage(text) {
      const node = el("div", { class: "msg user", lang: languageOf(text) }, el("span", { class: "visually-hidden" }), text);
      this.label(node.firstChild, "you");
      this.log.append(node);
      this.scrollToNewest();
      return node;
    }

    addBotMessage(lang) {
      const node = el("article", { class: "msg bot", lang: lang || this.lang, "aria-busy": "true" });
      this.log.append(node);
      return node;
    }

    scrollToNewest() {
      const newest = this.log.lastElementChild;
      if (!newest) return;
      const view = this.log.getBoundingClientRect();
      const box = newest.getBoundingClientRect();
      if (box.height > view.height - 16) this.log.scrollTop += box.top - view.top - 8;  // a long answer: show its start
      else this.log.scrollTop = this.log.scrollHeight;
      if (this.mode === "page") newest.scrollIntoView({ block: "nearest" });
    }

    say(text, kind = "notice") {
      const node = el("div", { class: `msg bot ${kind}`, lang: this.lang, role: kind === "error" ? "alert" : null }, text);
      this.log.append(node);
      this.scrollToNewest();
      return node;
    }

    async submit() {
      const message = this.input.value.trim();
      if (!message || this.sending) return;
      if (message.length > this.config.max_message_chars) { this.say(this.t("tooLong", { n: this.config.max_message_chars }), "error"); return; }
      this.sending = true;
      this.sendButton.disabled = true;
      if (this.suggestionBox) this.suggestionBox.remove();
      this.input.value = "";
      const asked = this.addUserMessage(message);
      const bot = this.addBotMessage(languageOf(message));
      const typing = el("span", { class: "typing" }, el("span", { "aria-hidden": "true" }, el("i"), el("i"), el("i")),
        el("span", { class: "visually-hidden" }));
      this.label(typing.lastChild, "typing");
      bot.append(typing);
      this.scrollToNewest();
      try {
        await this.ask(message, bot);
      } catch (error) {
        bot.remove();
        asked.remove();
        this.input.value = message;  // the shopper's words are never lost: back in the box, ready to send again
        const key = error instanceof ApiError ? (error.status === 429 ? "slow" : error.status === 422 ? "tooLong" : "failed") : "offline";
        this.say(this.t(key, { n: this.config.max_message_chars }), "error");
      } finally {
        this.sending = false;
        this.sendButton.disabled = false;
        this.input.focus();
      }
    }

    /* One question: 429 waits Retry-After and tries once more; a lost session starts a new one with the same words. */
    async ask(message, bot) {
      let retried = false;
      let renewed = false;
      for (;;) {
        try {
          return await this.stream(message, bot);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          if (error.status === 429 && !retried) {
            retried = true;
            const seconds = Math.min(Math.max(Number(error.retryAfter) || 1, 1), 60);
            const notice = this.say(this.t("busy", { n: seconds }));
            await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
            notice.remove();
            this.log.append(bot);
            continue;
          }
          if (error.status === 404 && this.state.session_id && !renewed) {
            renewed = true;
            this.forget();
            this.log.insertBefore(this.say(this.t("expired")), bot.previousElementSibling);
            continue;
          }
          throw error;
        }
      }
    }

    async stream(message, bot) {
      const headers = { "content-type": "application/json", accept: "text/event-stream" };
      const body = { message };
      if (this.state.session_id) { body.session_id = this.state.session_id; headers["X-Session-Token"] = this.state.token; }
      const response = await fetch(`${API}/v1/chat/stream`, { method: "POST", headers, body: JSON.stringify(body) });
      if (!response.ok) {
        const error = await response.json().catch(() => null);
        throw new ApiError(response.status, error, response.headers.get("Retry-After"));
      }
      let streamed = null;
      for await (const { event, data } of serverSentEvents(response)) {
        if (event === "sentence") {
          if (!streamed) { streamed = el("p", { class: "streaming" }); bot.replaceChildren(streamed); }
          streamed.textContent += (streamed.textContent ? " " : "") + data.text;
          this.scrollToNewest();
        } else if (event === "answer") {
          if (data.session_token) this.save({ session_id: data.session_id, token: data.session_token });
          this.keep(data);
          this.renderAnswer(bot, data);
          this.setLanguage(data.language);
          this.scrollToNewest();
          return data;
        } else if (event === "error") {
          throw new ApiError(500, data);
        }
      }
      throw new Error("the stream ended without an answer");
    }

    keep(answer) {
      const { text, answer_id, language, citations, products, refused, handoff, outcome, handoff_ticket } = answer;
      this.answers[answer_id] = { text, answer_id, language, refused, handoff, outcome, handoff_ticket,
        citations: citations.map(({ number, chunk_id, title, section, snippet }) => ({ number, chunk_id, title, section, snippet })),
        products };
      const ids = Object.keys(this.answers);
      for (const old of ids.slice(0, Math.max(0, ids.length - KEPT_ANSWERS))) delete this.answers[old];
      this.save({});
    }

    /* ---------- one answer: text with linked markers, sources, cards, handoff, copy and feedback ---------- */
    renderAnswer(bot, answer) {
      const key = `a${++this.counter}`;
      bot.setAttribute("lang", answer.language || this.lang);
      bot.dataset.answerId = answer.answer_id || "";
      const sourceId = (n) => `sa-${key}-source-${n}`;
      const numbers = new Set((answer.citations || []).map((c) => c.number));
      const cite = (n) => numbers.has(n) ? el("a", { class: "cite", href: `#${sourceId(n)}`,
        onclick: (event) => { event.preventDefault(); this.openSource(bot, sourceId(n)); } }, `[${n}]`) : null;
      const text = el("div", { class: "text" }, ...markdown(answer.text || "", cite));
      bot.replaceChildren(el("span", { class: "visually-hidden" }), text);
      this.label(bot.firstChild, "assistant");

      if (answer.citations && answer.citations.length) {
        const heading = this.label(el("h3", { class: "sources-title" }), "sources");
        const list = el("ol", { class: "sources" }, ...answer.citations.map((c) => el("li", { id: sourceId(c.number), value: c.number },
          el("details", { class: "citation" },
            el("summary", {}, this.sourceTitle(c, answer.language)),
            el("p", {}, c.snippet)))));
        bot.append(heading, list);
      }
      if (answer.products && answer.products.length) bot.append(this.cards(answer));
      if (answer.handoff_ticket) bot.append(this.receipt(answer.handoff_ticket));
      else if (answer.handoff && answer.outcome !== "handed_off") {
        bot.append(this.label(el("button", { type: "button", class: "talk",
          onclick: (event) => { event.target.remove(); this.offerHandoff(answer.outcome === "refused" ? "refused" : "shopper_request", bot); } }),
        "person"));
      }
      bot.append(this.actions(answer));
      bot.setAttribute("aria-busy", "false");
      bot.dataset.done = "true";
    }

    /* A policy's title and section, a product's name, or "FAQ — the question" in the answer's language. */
    sourceTitle(citation, lang) {
      const title = (citation.chunk_id || "").startsWith("faq:") ? (STRINGS[lang] || STRINGS.en).faq : citation.title;
      return citation.section && citation.section !== title ? `${title} — ${citation.section}` : title;
    }

    openSource(bot, id) {
      const item = bot.querySelector(`#${id}`);
      if (!item) return;
      const details = item.querySelector("details");
      details.open = true;
      details.querySelector("summary").focus();
      item.scrollIntoView({ block: "nearest" });
    }

    money(amount, currency) {
      try {
        return new Intl.NumberFormat(this.lang === "zh" ? "zh-CN" : "en-US", { style: "currency", currency: currency || "USD" }).format(amount);
      } catch {
        return `${amount.toFixed(2)} ${currency || ""}`.trim();
      }
    }

    cards(answer) {
      const row = el("ul", { class: "cards" });
      for (const product of answer.products) {
        const price = el("p", { class: "price" });
        const onSale = product.original_price && product.original_price > product.price;
        price.append(el("strong", { class: onSale ? "sale-price" : null }, this.money(product.price, product.currency)));
        if (onSale) {
          price.append(" ", el("del", {}, el("span", { class: "visually-hidden" }, `${this.t("was")} `),
            this.money(product.original_price, product.currency)), " ", this.label(el("span", { class: "badge" }), "sale"));
        }
        const stock = el("p", { class: `availability ${/out/i.test(product.availability || "") ? "out" : "in"}` },
          product.availability || "");
        const card = el("li", { class: "card", lang: languageOf(product.title) });
        if (product.image_url) card.append(el("img", { src: product.image_url, alt: product.title, loading: "lazy" }));
        card.append(el("h4", { class: "name" }, product.title), price, stock);
        if (product.variants && product.variants.length) {
          const shown = product.variants.slice(0, 4);
          const variants = el("ul", { class: "variants" }, ...shown.map((v) => el("li", { class: /out/i.test(v.availability || "") ? "out" : "in" },
            `${v.name}: ${v.availability}${v.price && v.price !== product.price ? ` · ${this.money(v.price, product.currency)}` : ""}`)));
          if (product.variants.length > shown.length) variants.append(el("li", { class: "more" }, this.t("moreVariants", { n: product.variants.length - shown.length })));
          card.append(this.label(el("p", { class: "variants-title" }), "variants"), variants);
        }
        if (product.reason) card.append(el("p", { class: "reason", lang: answer.language }, product.reason));
        if (product.url) {
          const link = el("a", { class: "view", href: product.url, target: "_blank", rel: "noopener noreferrer" },
            el("span", { "data-i18n": "viewProduct" }, this.t("viewProduct")), el("span", { class: "visually-hidden" }, `: ${product.title}`));
          card.append(link);
        }
        row.append(card);
      }
      return row;
    }

    actions(answer) {
      const bar = el("div", { class: "actions" });
      const copy = this.label(el("button", { type: "button", class: "copy", onclick: async () => {
        try { await navigator.clipboard.writeText(answer.text); this.announce(this.t("copied")); } catch { this.announce(this.t("copyFailed")); }
      } }), "copy");
      bar.append(copy);
      if (!answer.answer_id) return bar;
      const feedback = el("div", { class: "feedback", role: "group" });
      this.label(feedback, "helpful", "aria-label");
      const note = el("span", { class: "feedback-note", "aria-live": "polite" });
      for (const [rating, word] of [["up", "yes"], ["down", "no"]]) {
        const button = el("button", { type: "button", class: "rate", "data-rating": rating, "aria-pressed": "false",
          onclick: async () => {
            try {
              const response = await fetch(`${API}/v1/feedback`, { method: "POST", headers: { "content-type": "application/json" },
                body: JSON.stringify({ answer_id: answer.answer_id, rating }) });
              if (!response.ok) throw new ApiError(response.status);
              for (const other of feedback.querySelectorAll(".rate")) other.setAttribute("aria-pressed", String(other === button));
              this.label(note, "thanks");
            } catch { this.label(note, "feedbackFailed"); }
          } });
        this.label(button, word);
        this.label(button, rating, "aria-label");
        feedback.append(button);
      }
      feedback.append(note);
      bar.append(this.label(el("span", { class: "helpful" }), "helpful"), feedback);
      return bar;
    }

    announce(text) {
      this.status.textContent = "";
      requestAnimationFrame(() => { this.status.textContent = text; });
    }

    /* ---------- handoff: a real ticket with its reference and status ---------- */
    async offerHandoff(reason, after) {
      if (this.state.handoff) {  // one ticket at a time: an open one is shown with its status, not asked for again
        const ticket = await this.refreshHandoff(this.state.handoff, true);
        if (ticket && ticket.status !== "closed") { this.scrollToNewest(); this.input.focus(); return; }
      }
      const existing = this.root.querySelector(".handoff-form");
      if (existing) { existing.querySelector("select").focus(); return; }
      const select = el("select", { class: "contact-method", id: "sa-contact-method" },
        ...["chat", "email", "phone"].map((method) => this.label(el("option", { value: method }), `contact${method[0].toUpperCase()}${method.slice(1)}`)));
      const address = el("input", { class: "contact-address", id: "sa-contact-address", autocomplete: "email", hidden: true });
      const addressLabel = el("label", { for: "sa-contact-address", hidden: true });
      select.addEventListener("change", () => {
        const method = select.value;
        address.hidden = addressLabel.hidden = method === "chat";
        address.type = method === "phone" ? "tel" : "email";
        address.autocomplete = method === "phone" ? "tel" : "email";
        this.label(addressLabel, method === "phone" ? "contactAddressPhone" : "contactAddressEmail");
      });
      const form = el("form", { class: "msg bot handoff-form", lang: this.lang,
        onsubmit: async (event) => {
          event.preventDefault();
          const contact = { method: select.value };
          if (contact.method !== "chat" && address.value.trim()) contact.address = address.value.trim();
          form.querySelector(".request").disabled = true;
          const receipt = await this.requestHandoff(reason, contact);
          form.replaceWith(receipt ? el("div", { class: "msg bot", lang: receipt.lang }, receipt)
            : this.say(this.t("handoffFailed"), "error"));
          this.scrollToNewest();
          this.input.focus();  // the form's button is gone: the focus goes back to where the shopper types
        } },
      this.label(el("label", { for: "sa-contact-method" }), "contactHow"), select, addressLabel, address,
      el("div", { class: "form-actions" },
        this.label(el("button", { type: "submit", class: "request" }), "request"),
        this.label(el("button", { type: "button", class: "cancel", onclick: () => { form.remove(); this.input.focus(); } }), "cancel")));
      if (after && after.isConnected) after.after(form); else this.log.append(form);
      this.scrollToNewest();
      select.focus();
    }

    async requestHandoff(reason, contact) {
      const headers = { "content-type": "application/json" };
      const body = { reason, contact, language: this.lang };
      if (this.state.session_id) { body.session_id = this.state.session_id; headers["X-Session-Token"] = this.state.token; }
      try {
        let response = await fetch(`${API}/v1/handoffs`, { method: "POST", headers, body: JSON.stringify(body) });
        if (response.status === 404) {  // the session is gone: hand off from a new one
          this.forget();
          delete body.session_id;
          delete headers["X-Session-Token"];
          response = await fetch(`${API}/v1/handoffs`, { method: "POST", headers, body: JSON.stringify(body) });
        }
        if (!response.ok) return null;
        const receipt = await response.json();
        if (receipt.session_token) this.save({ session_id: receipt.session_id, token: receipt.session_token });
        return this.receipt(receipt);
      } catch {
        return null;
      }
    }

    receipt(ticket) {
      this.save({ handoff: ticket.reference });
      const box = el("div", { class: "receipt", role: "status", lang: ticket.language, "data-reference": ticket.reference,
        "data-status": ticket.status });
      const terms = STRINGS[ticket.language] || STRINGS.en;
      box.append(el("p", { class: "receipt-message" }, ticket.message),
        el("dl", {}, el("dt", {}, terms.reference), el("dd", { class: "reference" }, ticket.reference),
          el("dt", {}, terms.status), el("dd", { class: "status" }, terms[`${ticket.status}_status`] || ticket.status)));
      return box;
    }

    /* The ticket's current status, in place of the receipt shown (or as a new message); null if it is gone. */
    async refreshHandoff(reference, asNewMessage = false) {
      try {
        const response = await fetch(`${API}/v1/handoffs/${encodeURIComponent(reference)}`, { headers: { "X-Session-Token": this.state.token } });
        if (!response.ok) { this.save({ handoff: null }); return null; }
        const ticket = await response.json();
        const shown = asNewMessage ? null : this.root.querySelector(`.receipt[data-reference="${reference}"]`);
        const fresh = this.receipt(ticket);
        if (shown) shown.replaceWith(fresh); else this.log.append(el("div", { class: "msg bot", lang: ticket.language }, fresh));
        return ticket;
      } catch { return null; /* the status shows again at the next reload */ }
    }
  }

  const start = () => new ChatWidget().mount();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
