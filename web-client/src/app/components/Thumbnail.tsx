import { useEffect, useState } from "react";
import { fetchImage } from "../api";
import { useSession } from "../session";

/** An image served by the API's /thumbnails route (fetched with the key, shown as a blob URL). */
export function Thumbnail({ src, alt }: { src: string; alt: string }) {
  const { apiKey } = useSession();
  const [url, setUrl] = useState<string>("");
  const [isBroken, setBroken] = useState(false);
  useEffect(() => {
    let created = "";
    let isCurrent = true;
    fetchImage(src, apiKey)
      .then((blobUrl) => {
        created = blobUrl;
        if (isCurrent) setUrl(blobUrl);
        else URL.revokeObjectURL(blobUrl);
      })
      .catch(() => isCurrent && setBroken(true));
    return () => {
      isCurrent = false;
      if (created) URL.revokeObjectURL(created);
    };
  }, [src, apiKey]);
  if (isBroken) return <div className="muted">image unavailable</div>;
  return url ? (
    <img src={url} alt={alt} loading="lazy" />
  ) : (
    <div style={{ height: 140 }} aria-hidden="true" />
  );
}
