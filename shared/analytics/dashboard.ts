/**
 * `GET /dashboard`: one self-contained page (no external assets) that calls the analytics API with the key the
 * user pastes (kept in sessionStorage only). Charts are inline SVG.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gateway analytics</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
header{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
input,select,button{font:inherit;padding:4px 8px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px;margin-top:16px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px}
.card h3{margin:0 0 8px;font-size:14px}.big{font-size:22px;font-weight:600}
svg{width:100%;height:120px}table{border-collapse:collapse;width:100%}td,th{padding:4px;border-bottom:1px solid #eee;text-align:left}
.err{color:#b00}
</style></head><body>
<header><strong>Gateway analytics</strong>
<input id="key" type="password" placeholder="API key (x-portkey-api-key)" size="36">
<select id="range"><option value="1">24 hours</option><option value="7" selected>7 days</option><option value="30">30 days</option></select>
<button id="go">Load</button><span id="msg" class="err"></span></header>
<div class="grid" id="cards"></div>
<div class="card" style="margin-top:16px"><h3>Recent requests</h3><table id="logs"></table></div>
<script>
const graphs=[["requests","Requests","total"],["cost","Cost (USD)","total"],["latency","Latency p50 (ms)","p50"],["latency","Latency p99 (ms)","p99"],["tokens","Tokens","total"],["errors-rate","Error rate (%)","total"],["cache-hit-rate","Cache hit rate (%)","total"],["users","Unique users","total"]];
const keyInput=document.getElementById("key");keyInput.value=sessionStorage.getItem("gw-key")||"";
function esc(s){return String(s??"").replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]))}
async function api(path,params){const r=await fetch(path+"?"+new URLSearchParams(params),{headers:{"x-portkey-api-key":keyInput.value}});const j=await r.json();if(!r.ok)throw new Error(j.error?j.error.message:r.status);return j}
function spark(points,field){const v=points.map(p=>p[field]??0);const max=Math.max(1,...v);const w=300,h=110;
const d=v.map((y,i)=>(i?"L":"M")+(i*w/Math.max(1,v.length-1)).toFixed(1)+","+(h-y/max*h).toFixed(1)).join("");
return '<svg viewBox="0 0 '+w+' '+h+'" preserveAspectRatio="none"><path d="'+d+'" fill="none" stroke="#3366cc" stroke-width="2"/></svg>'}
async function load(){const msg=document.getElementById("msg");msg.textContent="";sessionStorage.setItem("gw-key",keyInput.value);
const days=Number(document.getElementById("range").value);const max=new Date();const min=new Date(max-days*864e5);
const params={time_of_generation_min:min.toISOString(),time_of_generation_max:max.toISOString()};
try{const cards=await Promise.all(graphs.map(async([g,title,field])=>{const j=await api("/v1/analytics/graphs/"+g,params);
const s=j.summary[field];return '<div class="card"><h3>'+esc(title)+'</h3><div class="big">'+esc(s==null?"-":Number(s).toLocaleString(undefined,{maximumFractionDigits:4}))+'</div>'+spark(j.data_points,field)+'</div>'}));
document.getElementById("cards").innerHTML=cards.join("");
const logs=await api("/v1/logs",{...params,limit:"25"});
document.getElementById("logs").innerHTML="<tr><th>Time</th><th>Model</th><th>Status</th><th>Latency</th><th>Tokens</th><th>Cost</th></tr>"+logs.data.map(l=>"<tr><td>"+esc(l.ts)+"</td><td>"+esc(l.model_served||l.model_requested)+"</td><td>"+esc(l.status)+"</td><td>"+esc(Math.round(l.latency_ms))+"</td><td>"+esc(l.total_tokens)+"</td><td>"+esc(l.cost_usd)+"</td></tr>").join("")}
catch(e){msg.textContent=e.message}}
document.getElementById("go").onclick=load;if(keyInput.value)load();
</script></body></html>`;
