import { createRoot } from "react-dom/client";

createRoot(document.getElementById("root")!).render(<p>LogoLab web client</p>);
