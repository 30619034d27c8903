-- Annotated imports: FlickrLogos-27 and Pascal VOC (OpenLogo, LogoDet-3K) datasets carry logo boxes.
ALTER TYPE "DatasetFormat" ADD VALUE 'FLICKRLOGOS27';
ALTER TYPE "DatasetFormat" ADD VALUE 'PASCAL_VOC';
