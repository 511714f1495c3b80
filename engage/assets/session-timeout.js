// engage's timeout warning (WCAG 2.2 SC 2.2.1, Timing Adjustable), after the GOV.UK pattern of
// HMRC's timeout dialog. A signed-in session ends after ENGAGE_SESSION_IDLE_MINUTES unused and
// after ENGAGE_SESSION_HOURS in all (engage/auth/sessions.py); typing into a page is not a use
// the server sees, so someone writing minutes for two hours would lose them on pressing Save.
//
// The markup is templates/auth/_timeout_warning.html: a container whose data attributes give,
// in seconds from when the server made the page, how long the session has left, and two native
// <dialog>s. Before the idle limit (2 minutes, or half the limit if that is shorter) the first
// asks "Stay signed in?", which posts to the keep-alive address and starts the clock again. In
// the last 10 minutes of the whole lifetime, which nothing extends, the second says when the
// session ends. When the time is up the browser goes to the "You have been signed out" page,
// which takes the person back here if another tab kept the session going. Without JavaScript
// (or <dialog>) nothing appears: the session still ends, and signing in again brings them back.
//
// Copied into engage/static/ by `npm run build` (package.json).

const WARN_BEFORE_MS = 2 * 60 * 1000;
const END_NOTICE_BEFORE_MS = 10 * 60 * 1000;
// Screen readers hear the time left this often, not every second as the visible text changes.
const ANNOUNCE_EVERY_SECONDS = 20;
const END_NOTICE_SHOWN_KEY = "engage-timeout-end-notice";

function plural(count, unit) {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

// "2 minutes" down to "1 minute" (rounded up), then "59 seconds": the visible countdown.
function roughly(seconds) {
  return seconds >= 60 ? plural(Math.ceil(seconds / 60), "minute") : plural(seconds, "second");
}

// "1 minute 40 seconds": what screen readers hear.
function exactly(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(plural(minutes, "minute"));
  if (rest || !minutes) parts.push(plural(rest, "second"));
  return parts.join(" ");
}

function endNoticeShownFor(end) {
  try {
    const shown = Number(window.sessionStorage.getItem(END_NOTICE_SHOWN_KEY));
    // The same end, as another page of this tab worked it out (to within a minute).
    return Math.abs(shown - end) < 60 * 1000;
  } catch {
    return false;
  }
}

function rememberEndNotice(end) {
  try {
    window.sessionStorage.setItem(END_NOTICE_SHOWN_KEY, String(end));
  } catch {
    // Storage refused: the notice may show again on the next page.
  }
}

function start(container) {
  const loaded = Date.now();
  const data = container.dataset;
  const idleMs = Number(data.idleSeconds) * 1000;
  const lifetimeEnd = loaded + Number(data.endsInSeconds) * 1000;
  const warnBefore = Math.min(WARN_BEFORE_MS, idleMs / 2);
  let idleEnd = loaded + Number(data.idleSecondsLeft) * 1000;

  const idleDialog = container.querySelector("#engage-timeout-idle");
  const endDialog = container.querySelector("#engage-timeout-end");
  const countdown = idleDialog.querySelector(".engage-timeout__countdown");
  const announcement = idleDialog.querySelector(".engage-timeout__announcement");
  const problem = idleDialog.querySelector(".engage-timeout__error");
  const stayButton = idleDialog.querySelector(".engage-timeout__stay");
  const csrfToken = idleDialog.querySelector("input[name=csrf_token]").value;
  let lastAnnounced = null;
  let keepingAlive = false;
  let timer = null;

  function signedOut() {
    window.clearInterval(timer);
    const here = window.location.pathname + window.location.search;
    window.location.assign(`${data.signedOutUrl}?next=${encodeURIComponent(here)}`);
  }

  function inWarning(now) {
    return idleEnd < lifetimeEnd && now >= idleEnd - warnBefore;
  }

  function showTimeLeft(secondsLeft) {
    countdown.textContent = roughly(secondsLeft);
    const step = Math.ceil(secondsLeft / ANNOUNCE_EVERY_SECONDS);
    if (lastAnnounced !== null && step !== lastAnnounced) {
      announcement.textContent = `You will be signed out in ${exactly(secondsLeft)}.`;
    }
    lastAnnounced = step;
  }

  function openIdleWarning(secondsLeft) {
    problem.hidden = true;
    announcement.textContent = "";
    lastAnnounced = null;
    // The dialog's name and description (the time left) are read as focus moves into it.
    showTimeLeft(secondsLeft);
    if (endDialog.open) endDialog.close();
    idleDialog.showModal();
    stayButton.focus();
  }

  async function staySignedIn() {
    if (keepingAlive) return;
    keepingAlive = true;
    try {
      const response = await window.fetch(data.keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken },
      });
      if (response.status === 401) {
        signedOut();
        return;
      }
      if (!response.ok) throw new Error(`keep-alive answered ${response.status}`);
      idleEnd = Date.now() + idleMs;
      if (idleDialog.open) idleDialog.close();
    } catch {
      problem.hidden = false;
    } finally {
      keepingAlive = false;
    }
  }

  function tick() {
    const now = Date.now();
    if (now >= Math.min(idleEnd, lifetimeEnd)) {
      signedOut();
    } else if (inWarning(now)) {
      const secondsLeft = Math.ceil((idleEnd - now) / 1000);
      if (idleDialog.open) showTimeLeft(secondsLeft);
      else if (!keepingAlive) openIdleWarning(secondsLeft);
    } else if (lifetimeEnd <= idleEnd && now >= lifetimeEnd - END_NOTICE_BEFORE_MS
               && !endDialog.open && !endNoticeShownFor(lifetimeEnd)) {
      rememberEndNotice(lifetimeEnd);
      endDialog.showModal();
      endDialog.querySelector("button").focus();
    }
  }

  stayButton.addEventListener("click", staySignedIn);
  // Escape means "stay signed in", not "ignore this".
  idleDialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    staySignedIn();
  });
  // A browser may close the dialog on Escape without a cancel event it lets us stop.
  idleDialog.addEventListener("close", () => {
    if (inWarning(Date.now())) staySignedIn();
  });
  // Timers in a hidden tab (or a sleeping computer) run late: look again on coming back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") tick();
  });
  timer = window.setInterval(tick, 1000);
  tick();
}

const container = document.getElementById("engage-timeout");
if (container && typeof window.HTMLDialogElement === "function") {
  start(container);
}
