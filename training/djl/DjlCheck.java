import ai.djl.Model;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.*;
import ai.djl.inference.Predictor;
import java.nio.file.*;

public class DjlCheck {
  public static void main(String[] a) throws Exception {
    String root = a[0];
    check(root + "/models/ring-2d", new Shape(5, 2), true);
    check(root + "/models/fashion-mnist-uncond", new Shape(3, 1, 28, 28), true);
    check(root + "/models/fashion-features", new Shape(3, 1, 28, 28), false);
  }
  static void check(String dir, Shape xs, boolean withT) throws Exception {
    try (Model m = Model.newInstance("m", "PyTorch")) {
      m.load(Paths.get(dir), "model.pt");
      NoBatchifyTranslator<NDList, NDList> tr = new NoBatchifyTranslator<>() {
        public NDList processInput(TranslatorContext c, NDList in) { return in; }
        public NDList processOutput(TranslatorContext c, NDList out) {
          NDList r = new NDList(); for (NDArray o : out) { NDArray d = o.duplicate(); d.detach(); r.add(d);} return r; }
      };
      try (Predictor<NDList, NDList> p = m.newPredictor(tr); NDManager mg = NDManager.newBaseManager()) {
        NDList in = new NDList(mg.randomNormal(xs));
        if (withT) in.add(mg.create(new float[]{0f, 500f, 999f, 1f, 10f}).get("0:" + xs.get(0)));
        NDArray out = p.predict(in).get(0);
        float[] v = out.toFloatArray(); boolean fin = true; for (float f : v) fin &= Float.isFinite(f);
        System.out.println(dir + ": output " + out.getShape() + " finite=" + fin + " first=" + v[0]);
      }
    }
  }
}
