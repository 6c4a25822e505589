import { useState } from "preact/hooks";
import type { ListResponse } from "../api";
import { formatTime } from "../lib/format";
import { segment } from "../lib/query";
import type { ViewProps } from "../main";
import { ErrorNote, Field, useAction, useLoad } from "../ui";

interface Config {
  readonly slug: string;
  readonly name: string;
  readonly version: number;
  readonly config: unknown;
  readonly last_updated_at: string;
}

const SAMPLE = JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: "" }] }, null, 2);

/** Parses the editor's text; the server validates the config itself against its schema on save. */
function parseJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `Not valid JSON: ${(err as Error).message}` };
  }
}

function Versions({ api, config }: Pick<ViewProps, "api"> & { config: Config }) {
  const versions = useLoad(
    () =>
      Promise.all(
        Array.from({ length: config.version }, (_, i) =>
          api.get<Config>(`/v1/configs/${segment(config.slug)}?version=${config.version - i}`),
        ),
      ),
    [config.slug, config.version],
  );
  return (
    <section aria-label={`Versions of ${config.name}`}>
      <h4>Version history</h4>
      <ErrorNote error={versions.error} />
      {versions.data?.map((v) => (
        <details key={v.version}>
          <summary>
            Version {v.version} ({formatTime(v.last_updated_at)})
          </summary>
          <pre>{JSON.stringify(v.config, null, 2)}</pre>
        </details>
      ))}
    </section>
  );
}

export function ConfigsView({ api }: ViewProps) {
  const list = useLoad(() => api.get<ListResponse<Config>>("/v1/configs"), []);
  const [name, setName] = useState("");
  const [text, setText] = useState(SAMPLE);
  /** The config being edited (saving makes a new version); undefined: the editor creates a new config. */
  const [editing, setEditing] = useState<Config>();
  const [error, run] = useAction();
  const parsed = parseJson(text);
  return (
    <div>
      <h2>Configs</h2>
      <ErrorNote error={list.error ?? error} />
      <table aria-label="Configs">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Version</th>
            <th scope="col">Updated</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((c) => (
            <tr key={c.slug}>
              <td>{c.name}</td>
              <td class="mono">{c.slug}</td>
              <td>{c.version}</td>
              <td>{formatTime(c.last_updated_at)}</td>
              <td>
                <button
                  type="button"
                  aria-label={`Edit ${c.name}`}
                  onClick={() => {
                    setEditing(c);
                    setName(c.name);
                    setText(JSON.stringify(c.config, null, 2));
                  }}
                >
                  Edit
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${c.name}`}
                  onClick={async () => {
                    if (await run(() => api.send("DELETE", `/v1/configs/${segment(c.slug)}`))) {
                      if (editing?.slug === c.slug) setEditing(undefined);
                      list.reload();
                    }
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="panel"
        aria-label={editing ? `Edit config ${editing.slug}` : "New config"}
        onSubmit={async (e) => {
          e.preventDefault();
          if (parsed.error) return;
          const ok = await run(() =>
            editing
              ? api.send("PUT", `/v1/configs/${segment(editing.slug)}`, { name, config: parsed.value })
              : api.send("POST", "/v1/configs", { name, config: parsed.value }),
          );
          if (ok) {
            setEditing(undefined);
            setName("");
            setText(SAMPLE);
            list.reload();
          }
        }}
      >
        <h3>{editing ? `Edit ${editing.slug} (saves a new version)` : "New config"}</h3>
        <Field label="Config name">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </Field>
        <Field label="Config JSON">
          <textarea
            rows={12}
            spellcheck={false}
            value={text}
            aria-invalid={parsed.error ? "true" : "false"}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </Field>
        {parsed.error && <p class="error">{parsed.error}</p>}
        <button type="submit" disabled={Boolean(parsed.error)}>
          {editing ? "Save version" : "Create config"}
        </button>
        {editing && (
          <button type="button" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
        )}
      </form>
      {editing && <Versions api={api} config={editing} />}
    </div>
  );
}
