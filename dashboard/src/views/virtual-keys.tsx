import { useState } from "preact/hooks";
import type { ListResponse } from "../api";
import { segment } from "../lib/query";
import type { ViewProps } from "../main";
import { ErrorNote, Field, useAction, useLoad } from "../ui";

interface VirtualKey {
  readonly slug: string;
  readonly name: string;
  readonly provider: string;
  readonly status: string;
  readonly note: string | null;
  readonly masked_api_key: string | null;
}

const EMPTY = { name: "", provider: "openai", key: "", custom_host: "", note: "" };

/**
 * Virtual keys: provider credentials stored by the gateway. The secret is write-only: typed once into a password
 * field, sent to the admin API, cleared from the form; the list shows only what the API returns (a masked form).
 */
export function VirtualKeysView({ api }: ViewProps) {
  const list = useLoad(() => api.get<ListResponse<VirtualKey>>("/v1/virtual-keys"), []);
  const [form, setForm] = useState(EMPTY);
  const [editing, setEditing] = useState<{ slug: string; name: string; note: string }>();
  const [error, run] = useAction();
  const set = (name: keyof typeof EMPTY) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [name]: e.currentTarget.value });
  return (
    <div>
      <h2>Virtual keys</h2>
      <ErrorNote error={list.error ?? error} />
      <table aria-label="Virtual keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Provider</th>
            <th scope="col">Status</th>
            <th scope="col">Secret</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((vk) => (
            <tr key={vk.slug}>
              <td>{vk.name}</td>
              <td class="mono">{vk.slug}</td>
              <td>{vk.provider}</td>
              <td>{vk.status}</td>
              <td class="mono">{vk.masked_api_key ?? "–"}</td>
              <td>
                <button
                  type="button"
                  onClick={() => setEditing({ slug: vk.slug, name: vk.name, note: vk.note ?? "" })}
                  aria-label={`Edit ${vk.name}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${vk.name}`}
                  onClick={async () => {
                    if (await run(() => api.send("DELETE", `/v1/virtual-keys/${segment(vk.slug)}`))) list.reload();
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && (
        <form
          class="panel"
          aria-label="Edit virtual key"
          onSubmit={async (e) => {
            e.preventDefault();
            const body = { name: editing.name, note: editing.note || null };
            if (await run(() => api.send("PUT", `/v1/virtual-keys/${segment(editing.slug)}`, body))) {
              setEditing(undefined);
              list.reload();
            }
          }}
        >
          <h3>Edit {editing.slug}</h3>
          <Field label="Name">
            <input value={editing.name} onInput={(e) => setEditing({ ...editing, name: e.currentTarget.value })} />
          </Field>
          <Field label="Note">
            <input value={editing.note} onInput={(e) => setEditing({ ...editing, note: e.currentTarget.value })} />
          </Field>
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
        </form>
      )}
      <form
        class="panel"
        aria-label="New virtual key"
        onSubmit={async (e) => {
          e.preventDefault();
          const body = {
            name: form.name,
            provider: form.provider,
            key: form.key,
            ...(form.custom_host ? { custom_host: form.custom_host } : {}),
            ...(form.note ? { note: form.note } : {}),
          };
          if (await run(() => api.send("POST", "/v1/virtual-keys", body))) {
            setForm(EMPTY); // the secret leaves the page with the request
            list.reload();
          }
        }}
      >
        <h3>New virtual key</h3>
        <Field label="Name">
          <input value={form.name} onInput={set("name")} required />
        </Field>
        <Field label="Provider">
          <input value={form.provider} onInput={set("provider")} required />
        </Field>
        <Field label="Provider API key">
          <input type="password" autocomplete="off" value={form.key} onInput={set("key")} />
        </Field>
        <Field label="Custom host">
          <input value={form.custom_host} onInput={set("custom_host")} placeholder="https://..." />
        </Field>
        <Field label="Note">
          <input value={form.note} onInput={set("note")} />
        </Field>
        <button type="submit">Create virtual key</button>
      </form>
    </div>
  );
}
