import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { type Api, createApi } from "./api";
import { AnalyticsView } from "./views/analytics";
import { ConfigsView } from "./views/configs";
import { ApiKeysView, GuardrailsView, PromptsView } from "./views/library";
import { LogsView } from "./views/logs";
import { VirtualKeysView } from "./views/virtual-keys";

/** The key lives in this tab's sessionStorage only: closing the tab forgets it; it is never in a URL or cookie. */
const KEY_STORAGE = "gateway-dashboard-key";

const VIEWS = [
  { path: "logs", label: "Logs", View: LogsView },
  { path: "analytics", label: "Analytics", View: AnalyticsView },
  { path: "virtual-keys", label: "Virtual keys", View: VirtualKeysView },
  { path: "configs", label: "Configs", View: ConfigsView },
  { path: "prompts", label: "Prompts", View: PromptsView },
  { path: "guardrails", label: "Guardrails", View: GuardrailsView },
  { path: "api-keys", label: "API keys", View: ApiKeysView },
] as const;

export interface ViewProps {
  readonly api: Api;
  /** The hash route's query (`?model=...`), for views that keep their filters in the URL. */
  readonly query: string;
}

function readHash(): { path: string; query: string } {
  const hash = location.hash.replace(/^#\/?/, "");
  const at = hash.indexOf("?");
  return at < 0 ? { path: hash, query: "" } : { path: hash.slice(0, at), query: hash.slice(at) };
}

function useHashRoute() {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const onChange = () => setRoute(readHash());
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

function SignIn({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState("");
  return (
    <main class="sign-in">
      <h1>Gateway dashboard</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <label>
          API key
          <input
            type="password"
            autocomplete="off"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">
        A gateway key with the <code>logs</code> and <code>analytics</code> scopes (and <code>admin</code> to manage
        keys and configs). It stays in this browser tab only.
      </p>
    </main>
  );
}

function App() {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY_STORAGE));
  const route = useHashRoute();
  const signOut = () => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(null);
  };
  const api = useMemo(() => (key ? createApi(key, signOut) : undefined), [key]);
  if (!api) {
    return (
      <SignIn
        onKey={(k) => {
          sessionStorage.setItem(KEY_STORAGE, k);
          setKey(k);
        }}
      />
    );
  }
  const current = VIEWS.find((v) => v.path === route.path) ?? VIEWS[0];
  const { View } = current;
  return (
    <div class="shell">
      <header>
        <strong>Gateway</strong>
        <nav aria-label="Main">
          {VIEWS.map((v) => (
            <a key={v.path} href={`#/${v.path}`} aria-current={v === current ? "page" : undefined}>
              {v.label}
            </a>
          ))}
        </nav>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <View key={current.path} api={api} query={route.query} />
      </main>
    </div>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
