import { useState } from "preact/hooks";
import type { Api, ListResponse } from "../api";
import { segment } from "../lib/query";
import type { ViewProps } from "../main";
import { ErrorNote, Field, useAction, useLoad } from "../ui";

type Item = Record<string, unknown> & { readonly id: string };

interface ResourceSpec {
  readonly title: string;
  /** Admin API collection path. */
  readonly path: string;
  /** Columns: field name and header. */
  readonly columns: ReadonlyArray<readonly [string, string]>;
  /** A starting body for "New", as the admin API documents it. */
  readonly sample: unknown;
  /** What selecting an item shows (versions, usage, a render preview). */
  readonly Detail?: (props: { api: Api; item: Item }) => preact.JSX.Element;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A list, a JSON editor for new items (the admin API validates them) and delete; `Detail` for the rest. */
function ResourceView({ api, spec }: { api: Api; spec: ResourceSpec }) {
  const list = useLoad(() => api.get<ListResponse<Item>>(spec.path), [spec.path]);
  const [text, setText] = useState(JSON.stringify(spec.sample, null, 2));
  const [selected, setSelected] = useState<Item>();
  const [created, setCreated] = useState<string>();
  const [error, run] = useAction();
  const { Detail } = spec;
  return (
    <div>
      <h2>{spec.title}</h2>
      <ErrorNote error={list.error ?? error} />
      <table aria-label={spec.title}>
        <thead>
          <tr>
            {spec.columns.map(([field, header]) => (
              <th key={field} scope="col">
                {header}
              </th>
            ))}
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((item) => (
            <tr key={item.id}>
              {spec.columns.map(([field]) => (
                <td key={field}>{show(item[field])}</td>
              ))}
              <td>
                {Detail && (
                  <button type="button" onClick={() => setSelected(item)}>
                    Details
                  </button>
                )}
                <button
                  type="button"
                  onClick={async () => {
                    if (await run(() => api.send("DELETE", `${spec.path}/${segment(item.id)}`))) list.reload();
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && Detail && <Detail api={api} item={selected} />}
      <form
        class="panel"
        onSubmit={async (e) => {
          e.preventDefault();
          setCreated(undefined);
          await run(async () => {
            const made = await api.send<Record<string, unknown>>("POST", spec.path, JSON.parse(text));
            // A new gateway key's secret is shown once, here, and never again.
            if (typeof made.key === "string") setCreated(made.key);
            list.reload();
          });
        }}
      >
        <h3>New</h3>
        <Field label="JSON body">
          <textarea rows={10} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
        <button type="submit">Create</button>
        {created && (
          <p role="status">
            New key (shown once, copy it now): <code>{created}</code>
          </p>
        )}
      </form>
    </div>
  );
}

function PromptDetail({ api, item }: { api: Api; item: Item }) {
  const versions = useLoad(
    () => api.get<ListResponse<Record<string, unknown>>>(`/v1/prompts/${segment(item.id)}/versions`),
    [item.id],
  );
  const [variables, setVariables] = useState("{}");
  const [preview, setPreview] = useState<string>();
  const [error, run] = useAction();
  return (
    <section class="panel" aria-label="Prompt detail">
      <h3>{show(item.name)}</h3>
      <ErrorNote error={versions.error ?? error} />
      <ul>
        {versions.data?.data.map((v) => (
          <li key={show(v.prompt_version ?? v.version)}>
            Version {show(v.prompt_version ?? v.version)} {v.label ? `(${show(v.label)})` : ""}
          </li>
        ))}
      </ul>
      <Field label="Variables (JSON)">
        <textarea rows={4} value={variables} onInput={(e) => setVariables(e.currentTarget.value)} />
      </Field>
      <button
        type="button"
        onClick={() =>
          run(async () => {
            const body = { variables: JSON.parse(variables) as unknown };
            const rendered = await api.send<unknown>("POST", `/v1/prompts/${segment(item.id)}/render`, body);
            setPreview(JSON.stringify(rendered, null, 2));
          })
        }
      >
        Render preview
      </button>
      {preview && <pre>{preview}</pre>}
    </section>
  );
}

function ApiKeyDetail({ api, item }: { api: Api; item: Item }) {
  const usage = useLoad(() => api.get<unknown>(`/v1/api-keys/${segment(item.id)}/usage`), [item.id]);
  return (
    <section class="panel" aria-label="API key usage">
      <h3>Usage of {show(item.name)}</h3>
      <ErrorNote error={usage.error} />
      <p>Scopes: {show(item.scopes)}</p>
      <p>
        Limits: {show(item.usage_limits)} {show(item.rate_limits)}
      </p>
      {usage.data !== undefined && <pre>{JSON.stringify(usage.data, null, 2)}</pre>}
    </section>
  );
}

const PROMPTS: ResourceSpec = {
  title: "Prompts",
  path: "/v1/prompts",
  columns: [
    ["name", "Name"],
    ["id", "Id"],
    ["model", "Model"],
    ["prompt_version", "Version"],
  ],
  sample: { name: "greeting", string: "Hello {{name}}", parameters: { model: "gpt-4o-mini" } },
  Detail: PromptDetail,
};

const GUARDRAILS: ResourceSpec = {
  title: "Guardrails",
  path: "/v1/guardrails",
  columns: [
    ["name", "Name"],
    ["id", "Id"],
    ["version", "Version"],
  ],
  sample: { name: "no-secrets", checks: [{ id: "default.regexMatch", parameters: { rule: "sk-[a-z0-9]+" } }] },
};

const API_KEYS: ResourceSpec = {
  title: "API keys",
  path: "/v1/api-keys",
  columns: [
    ["name", "Name"],
    ["id", "Id"],
    ["scopes", "Scopes"],
    ["status", "Status"],
  ],
  sample: { name: "my app", scopes: ["completions"] },
  Detail: ApiKeyDetail,
};

export const PromptsView = ({ api }: ViewProps) => <ResourceView api={api} spec={PROMPTS} />;
export const GuardrailsView = ({ api }: ViewProps) => <ResourceView api={api} spec={GUARDRAILS} />;
export const ApiKeysView = ({ api }: ViewProps) => <ResourceView api={api} spec={API_KEYS} />;
