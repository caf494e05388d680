import "./styles.css";
import { render } from "preact";
import { App } from "./App";
import { persistStorage, startServiceWorker } from "./lib/sw-client";

render(<App />, document.getElementById("app") as HTMLElement);
startServiceWorker();
void persistStorage();
