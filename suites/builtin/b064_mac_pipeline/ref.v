module TopModule (
  input                    clk,
  input                    reset,
  input                    in_valid,
  input                    restart,
  input      signed [7:0]  a,
  input      signed [7:0]  b,
  output reg signed [19:0] acc,
  output reg               out_valid
);
  reg signed [15:0] p;
  reg v1, r1;
  wire signed [19:0] base = r1 ? 20'sd0 : acc;
  always @(posedge clk) begin
    if (reset) begin
      p         <= 16'sd0;
      v1        <= 1'b0;
      r1        <= 1'b0;
      acc       <= 20'sd0;
      out_valid <= 1'b0;
    end else begin
      p         <= a * b;
      v1        <= in_valid;
      r1        <= restart;
      if (v1) acc <= base + p;
      out_valid <= v1;
    end
  end
endmodule
