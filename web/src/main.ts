/**
 * The admin page: header (sections, token), then the page of the current path.
 */
import "./styles.css";
import { mountTokenForm, tokenPrompt } from "./components/token-form.js";
import { h, replaceChildren } from "./dom.js";
import { batchDetailPage } from "./pages/batch-detail.js";
import { batchesPage } from "./pages/batches.js";
import { deliveriesPage } from "./pages/deliveries.js";
import { deliveryDetailPage } from "./pages/delivery-detail.js";
import { eventsPage } from "./pages/events.js";
import { executionFormPage } from "./pages/execution-form.js";
import { executionsPage } from "./pages/executions.js";
import { jobDetailPage } from "./pages/job-detail.js";
import { jobsPage } from "./pages/jobs.js";
import { targetFormPage } from "./pages/target-form.js";
import { targetsPage } from "./pages/targets.js";
import { type Page, type Route, createRouter } from "./router.js";
import { currentToken, onTokenChange } from "./session.js";

const sections = [
  ["targets", "Targets"],
  ["executions", "Executions"],
  ["jobs", "Jobs"],
  ["batches", "Batches"],
  ["deliveries", "Deliveries"],
  ["events", "Events"],
] as const;

/** Pages need a token; without one they show how to paste it. */
const withToken =
  (page: Page): Page =>
  (context) =>
    currentToken() ? page(context) : tokenPrompt(context.view);

const routes: Route[] = [
  { pattern: "/", section: "targets", title: "Targets", page: withToken(targetsPage) },
  { pattern: "/targets", section: "targets", title: "Targets", page: withToken(targetsPage) },
  { pattern: "/targets/new", section: "targets", title: "New target", page: withToken(targetFormPage) },
  { pattern: "/targets/:id", section: "targets", title: "Target", page: withToken(targetFormPage) },
  { pattern: "/executions", section: "executions", title: "Executions", page: withToken(executionsPage) },
  { pattern: "/executions/edit", section: "executions", title: "Execution", page: withToken(executionFormPage) },
  { pattern: "/jobs", section: "jobs", title: "Jobs", page: withToken(jobsPage) },
  { pattern: "/jobs/:id", section: "jobs", title: "Job", page: withToken(jobDetailPage) },
  { pattern: "/batches", section: "batches", title: "Batches", page: withToken(batchesPage) },
  { pattern: "/batches/:id", section: "batches", title: "Batch", page: withToken(batchDetailPage) },
  { pattern: "/deliveries", section: "deliveries", title: "Deliveries", page: withToken(deliveriesPage) },
  { pattern: "/deliveries/:id", section: "deliveries", title: "Delivery", page: withToken(deliveryDetailPage) },
  { pattern: "/events", section: "events", title: "Events", page: withToken(eventsPage) },
];

const nav = document.getElementById("nav")!;
const links = new Map(sections.map(([section, label]) => [section, h("a", { href: `/${section}` }, label)]));
replaceChildren(nav, h("ul", null, [...links.values()].map((link) => h("li", null, link))));

const router = createRouter(document.getElementById("main")!, routes, (route) => {
  for (const [section, link] of links) {
    if (route?.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
});
mountTokenForm(document.getElementById("token-slot")!);
onTokenChange(() => void router.render());
void router.render();
